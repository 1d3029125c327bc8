{#-
    Incremental staging by record key. A staging model keeps one row (or one set of rows) per
    record key, computed from every raw row of that key; a build recomputes only the keys that
    changed since the last build and leaves the others as they are:

    - delete_changed_keys (the model's pre-hook) deletes the rows of every key that has raw rows
      loaded after the newest row already staged (new and re-delivered records), and of every key
      with a row from a file the load manifest touched since then (a file replaced, retracted or
      restored: the key is recomputed from what remains, a key only that file held disappears);
    - where_key_not_built (the model's source filter) then selects the raw rows of every key the
      table does not hold, so the model appends exactly the deleted keys, recomputed.

    The result equals a full rebuild over the same raw rows. Hook and model run in one
    transaction. Every row written carries _staged_at, for the incremental models downstream. The watermark is the newest _loaded_at staged: loads and retractions are stamped
    when they happen and dbt builds after them, so nothing loaded since can be older.
-#}
{% macro delete_changed_keys(source_relation, key) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ key }} in (
                select {{ clean_text(key) }} from {{ source_relation }}
                where _loaded_at > (select max(_loaded_at) from {{ this }})
            )
            or {{ key }} in (
                select {{ key }} from {{ this }}
                where _source_file in (
                    select file_path from {{ source('loader', 'load_manifest') }}
                    where loaded_at > (select max(_loaded_at) from {{ this }})
                )
            )
    {%- endif -%}
{%- endmacro %}


{% macro where_key_not_built(key, upstream_key=none) -%}
    {%- if is_incremental() -%}
        where {{ upstream_key or clean_text(key) }} not in (select {{ key }} from {{ this }})
    {%- endif -%}
{%- endmacro %}


{#- On an incremental build, the rows whose `key` is among the keys of `scope` (a CTE that
    where_key_not_built restricted to what the build recomputes). -#}
{% macro where_key_in_scope(key, scope) -%}
    {%- if is_incremental() -%}
        where {{ key }} in (select {{ key }} from {{ scope }})
    {%- endif -%}
{%- endmacro %}


{#-
    The same pattern one layer further down, where the upstream model is itself incremental:
    every row a build writes carries _staged_at (staged_at(): the build's start), so the keys to
    recompute are those with upstream rows staged after the newest row here, and the keys the
    upstream model no longer has are deleted. With `seeds` (seed names), so are the rows built
    with other versions of those seeds (the model keeps seeds_checksum(seeds) as _seeds_checksum).
-#}
{% macro delete_changed_rows(upstream, key, seeds=[]) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ changed_rows(upstream, key) }}
        {%- if seeds %} or _seeds_checksum <> {{ seeds_checksum(seeds) }}{% endif %}
    {%- endif -%}
{%- endmacro %}


{% macro changed_rows(upstream, key) -%}
    (
        {{ key }} in (
            select {{ key }} from {{ upstream }}
            where {{ staged_since_last_build() }}
        )
        or {{ key }} not in (select {{ key }} from {{ upstream }} where {{ key }} is not null)
    )
{%- endmacro %}


{#- Delete the rows of keys the upstream model no longer has (a model that finds its changed keys itself). -#}
{% macro delete_vanished_rows(upstream, key, upstream_filter='true') -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ vanished_rows(upstream, key, upstream_filter) }}
    {%- endif -%}
{%- endmacro %}


{% macro vanished_rows(upstream, key, upstream_filter='true') -%}
    {{ key }} not in (
        select {{ key }} from {{ upstream }} where {{ key }} is not null and ({{ upstream_filter }})
    )
{%- endmacro %}


{#-
    What a model's delete hook takes away, for a downstream model that has to know what left
    (rows that are gone leave no _staged_at): the table <model>__retired holds the `column` value
    of every row about to be deleted (log_rows, with the condition of the delete, in the hook
    before it) and the build's staged_at() (retired_at). The consuming model reads the entries
    newer than its own last build and empties the table after its build.
-#}
{% macro retired_log(model) -%}
    {{ model.schema }}.{{ model.identifier }}__retired
{%- endmacro %}


{% macro create_retired_log(model) -%}
    create table if not exists {{ retired_log(model) }} (retired_value string, retired_at timestamp)
{%- endmacro %}


{% macro log_rows(column, condition) -%}
    {%- if is_incremental() -%}
        insert into {{ retired_log(this) }}
        select distinct {{ column }}, {{ staged_at() }} from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}


{#- After the consuming model's build (truncate: Spark tables without Delta take no DELETE). -#}
{% macro empty_retired_log(model) -%}
    truncate table {{ retired_log(model) }}
{%- endmacro %}


{#- The retired entries of `model` written since this model's last build. -#}
{% macro retired_since_last_build(model) -%}
    select retired_value from {{ retired_log(model) }}
    where retired_at > (select max(_staged_at) from {{ this }})
{%- endmacro %}


{#- When this build started: the _staged_at of every row it writes. -#}
{% macro staged_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#-
    customer_source_map's records whose customer may have changed since its last build: those with
    an edge staged since, or with an identifier whose component changed since, whose key changed
    since (a merge keeps the oldest key, which may come from the other part) or that stopped being
    usable since (int_identity_components_resolved__retired), and those on no edge any more.
-#}
{% macro records_to_remap() -%}
    record_key in (
        select record_key from {{ ref('int_identity_edges_unpivoted') }}
        where
            {{ staged_since_last_build() }}
            or identifier_key in (
                select identifier_key from {{ ref('int_identity_components_resolved') }}
                where {{ staged_since_last_build() }}
            )
            or identifier_key in ({{ retired_since_last_build(ref('int_identity_components_resolved')) }})
            or identifier_key in (
                select identifier_key from {{ ref('identity_key_registry') }}
                where key_changed_at > (select max(_staged_at) from {{ this }})
            )
    )
    or record_key not in (select record_key from {{ ref('int_identity_edges_unpivoted') }})
{%- endmacro %}


{#-
    Incremental by customer, for a model with rows per customer computed from that customer's
    rows in `upstream` (an incremental model, or a query of one aliased as a table: its rows carry
    customer_key and _staged_at). The model stores how many upstream rows the customer has
    (`count_column`, on each of its rows). The pre-hook deletes the customers
    - with an upstream row written since this model's last build (a row gained or rewritten),
    - whose number of upstream rows now differs from the stored one (a row lost to another
      customer or retracted, or all of them: the upstream no longer has the customer; a loss
      hidden by a gain is caught by the gained row's stamp),
    - and those of `also_changed`, a query of more customer keys;
    the model then appends every customer it does not hold, from all their upstream rows
    (where_key_not_built('customer_key', 'customer_key') on the upstream).
-#}
{% macro delete_changed_customers(upstream, count_column, also_changed=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            customer_key in (
                select customer_key from {{ upstream }} where {{ staged_since_last_build() }}
                {%- if also_changed %}
                    union
                    {{ also_changed }}
                {%- endif %}
            )
            or customer_key in (
                select built.customer_key
                from {{ this }} as built
                left join (
                    select
                        customer_key,
                        count(*) as upstream_rows
                    from {{ upstream }}
                    group by customer_key
                ) as counted
                    on built.customer_key = counted.customer_key
                where coalesce(counted.upstream_rows, 0) <> built.{{ count_column }}
            )
    {%- endif -%}
{%- endmacro %}


{#- A row written since this model's last build (the newest _staged_at it holds). -#}
{% macro staged_since_last_build() -%}
    _staged_at > (select max(_staged_at) from {{ this }})
{%- endmacro %}


{#-
    The pre-hook of the customer models computed from all the customer's source records
    (int_customer_records_summarised, int_customer_first_touches): delete_changed_customers over
    customer_source_map with the stored record_count, and the customers with a record restaged
    since. A restaged record has its customer_source_map row rewritten too, through its rewritten
    edges (records_to_remap); it is looked up in int_identity_records_normalised directly, so the
    models hold whatever the edges step does.
-#}
{% macro delete_customers_with_changed_records() -%}
    {%- set restaged -%}
        select customer_key from {{ ref('customer_source_map') }}
        where record_key in (
            select record_key from {{ ref('int_identity_records_normalised') }} where {{ staged_since_last_build() }}
        )
    {%- endset -%}
    {{ delete_changed_customers(ref('customer_source_map'), 'record_count', also_changed=restaged) }}
{%- endmacro %}


{#-
    fct_touchpoints' rows to recompute: records remapped since its last build, orders rebuilt since,
    engagements, responses and campaign activities restaged since (or whose campaign was), and
    touchpoints whose record is no longer mapped to a customer.
-#}
{% macro touchpoints_to_rebuild() -%}
    {%- set since = staged_since_last_build() -%}
    touchpoint_id in (
        select record_key from {{ ref('customer_source_map') }} where {{ since }}
        union
        select {{ record_key("'orders'", "'orders'", 'order_id') }} from {{ ref('fct_orders') }} where {{ since }}
        union
        select {{ record_key("'social'", "'engagements'", 'event_id') }} from {{ ref('stg_social__engagements') }}
        where {{ since }}
        union
        select {{ record_key("'survey'", "'responses'", 'response_id') }} from {{ ref('stg_survey__responses') }}
        where {{ since }}
        union
        select {{ record_key("'crm'", "'campaign_activity'", 'activity_id') }}
        from {{ ref('stg_crm__campaign_activities') }}
        where
            {{ since }}
            or campaign_id in (select campaign_id from {{ ref('stg_crm__campaigns') }} where {{ since }})
    )
    or touchpoint_id not in (select record_key from {{ ref('customer_source_map') }})
{%- endmacro %}


{#-
    fct_orders' rows to recompute: orders restaged since its last build (or whose items were),
    orders whose customer_source_map row was rewritten since or is gone, orders no longer staged,
    and every order built with another exchange_rates seed.
-#}
{% macro orders_to_rebuild() -%}
    {%- set since = staged_since_last_build() -%}
    {%- set order_records = "source = 'orders' and source_table = 'orders'" -%}
    order_id in (
        select order_id from {{ ref('stg_orders__orders') }} where {{ since }}
        union
        select order_id from {{ ref('stg_orders__order_items') }} where {{ since }}
        union
        select record_id from {{ ref('customer_source_map') }} where {{ since }} and {{ order_records }}
    )
    or order_id not in (select order_id from {{ ref('stg_orders__orders') }})
    or (
        customer_key is not null
        and order_id not in (select record_id from {{ ref('customer_source_map') }} where {{ order_records }})
    )
    or _seeds_checksum <> {{ seeds_checksum(['exchange_rates']) }}
{%- endmacro %}


{#- A source record's key, source|table|record id: the identity layer's record_key and
    fct_touchpoints' touchpoint_id. -#}
{% macro record_key(source, source_table, record_id) -%}
    {{ dbt.concat([source, "'|'", source_table, "'|'", record_id]) }}
{%- endmacro %}
