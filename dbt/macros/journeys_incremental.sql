{#-
    int_attribution_journey_touches, incremental by customer. A customer's journeys are computed
    from their own touches and conversions and the as-of date alone, so the pre-hook deletes the
    customers
    - with a touch that is not as stored (int_attribution_touches against the table: new, gone,
      moved to another customer, or another time, campaign, channel or weight; both customers of a
      moved touch),
    - with a conversion written in fct_orders since the last build, or another number of
      conversions than the stored conversion_count (one lost to another customer, cancelled,
      refunded or retracted),
    - with an order dated between the last build's as-of date and this one's (either way: a
      backfill steps back),
    - with a non-converting journey that opens or closes between the two (its last touch crosses
      the lookback),
    - and every customer when the lookback changed or the last build's settings are unknown;
    the model then appends every customer it does not hold. The as-of date and the lookback of the
    last build are kept in a one-row table beside the model (journeys_built_for).
-#}

{% macro journeys_built_for() -%}
    {{ this.schema }}.{{ this.identifier }}__built_for
{%- endmacro %}


{% macro create_journeys_built_for() -%}
    create table if not exists {{ journeys_built_for() }} (as_of_date date, lookback_days integer)
{%- endmacro %}


{#- Whether a non-converting journey whose last touch is `last_touched_at` may still convert on
    the as-of date `as_of`: its last touch is less than the lookback before the end of that day. -#}
{% macro journey_is_open(last_touched_at, as_of) -%}
    {{ seconds_between(last_touched_at, 'cast(' ~ add_days(as_of, 1) ~ ' as ' ~ dbt.type_timestamp() ~ ')') }}
    < {{ var('attribution_lookback_days') }} * 86400
{%- endmacro %}


{#- A standing order of a known customer, placed on or before the as-of date. -#}
{% macro is_conversion(orders, as_of) -%}
    {{ orders }}.customer_key is not null
    and {{ orders }}.ordered_at is not null
    and not {{ orders }}.is_cancelled_or_refunded
    and {{ orders }}.order_date <= {{ as_of }}
{%- endmacro %}


{% macro delete_changed_journey_customers() -%}
    {%- if is_incremental() -%}
        {%- set touch_columns -%}
            touch_id, customer_key, touched_at, touch_source, touch_type, campaign_id, reporting_channel, touch_weight
        {%- endset -%}
        {%- set as_of = as_of_date() -%}
        {%- set built_as_of = '(select max(as_of_date) from ' ~ journeys_built_for() ~ ')' -%}
        {%- set conversions -%}
            (
                select
                    orders.customer_key,
                    orders._staged_at
                from {{ ref('fct_orders') }} as orders
                where {{ is_conversion('orders', as_of) }}
            ) as conversions
        {%- endset -%}
        {%- set also_changed -%}
            select changed_touches.customer_key
            from (
                (
                    select {{ touch_columns }} from {{ this }}
                    except
                    select {{ touch_columns }} from {{ ref('int_attribution_touches') }}
                )
                union all
                (
                    select {{ touch_columns }} from {{ ref('int_attribution_touches') }}
                    except
                    select {{ touch_columns }} from {{ this }}
                )
            ) as changed_touches
            union
            select customer_key from {{ ref('fct_orders') }}
            where
                customer_key is not null
                and order_date > least({{ built_as_of }}, {{ as_of }})
                and order_date <= greatest({{ built_as_of }}, {{ as_of }})
            union
            select customer_key from {{ this }}
            where not is_converted
            group by customer_key, journey_id
            having {{ dbt.bool_or('is_open_journey') }} <> ({{ journey_is_open('max(touched_at)', as_of) }})
            union
            select customer_key from {{ this }}
            where not exists (
                select 1 from {{ journeys_built_for() }}
                where lookback_days = {{ var('attribution_lookback_days') }}
            )
        {%- endset -%}
        {{ delete_changed_customers(conversions, 'conversion_count', also_changed) }}
    {%- endif -%}
{%- endmacro %}
