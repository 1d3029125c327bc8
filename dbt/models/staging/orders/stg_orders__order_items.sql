{#-
    Items of the latest version of each order only: a re-delivered order replaces its whole item
    list, so items are ranked by the version (file and line) of the order line they came from.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('orders', 'order_items'), 'order_id') }}"
) }}

with

source as (
    select * from {{ source('orders', 'order_items') }}
    {{ where_key_not_built('order_id') }}
),

typed as (
    select
        {{ clean_text('order_id') }} as order_id,
        cast(item_number as integer) as item_number,
        {{ clean_text('sku') }} as sku,
        {{ clean_text('product_name') }} as product_name,
        lower({{ clean_text('category') }}) as category,
        {{ clean_text('brand') }} as brand,
        lower({{ clean_text('brand_tier') }}) as brand_tier,
        cast({{ clean_text('quantity') }} as integer) as quantity,
        cast({{ clean_text('unit_price') }} as decimal(18, 2)) as unit_price,
        {{ to_utc_timestamp('updated_at') }} as order_updated_at,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

ranked as (
    select
        *,
        dense_rank() over (
            partition by order_id
            order by order_updated_at desc nulls last, _loaded_at desc, _source_file desc, _source_line desc
        ) as version_rank
    from typed
),

final as (
    select
        {{ dbt.concat(["order_id", "'-'", "cast(item_number as " ~ dbt.type_string() ~ ")"]) }} as order_item_id,
        order_id,
        item_number,
        sku,
        product_name,
        category,
        brand,
        brand_tier,
        quantity,
        unit_price,
        quantity * unit_price as line_amount,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from ranked
    where version_rank = 1
)

select * from final
