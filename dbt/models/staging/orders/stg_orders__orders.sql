{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_changed_keys(source('orders', 'orders'), 'order_id') }}"
) }}

with

source as (
    select * from {{ source('orders', 'orders') }}
    {{ where_key_not_built('order_id') }}
),

typed as (
    select
        {{ clean_text('order_id') }} as order_id,
        {{ to_utc_timestamp('ordered_at') }} as ordered_at,
        {{ to_utc_timestamp('updated_at') }} as updated_at,
        lower({{ clean_text('status') }}) as status,
        lower({{ clean_text('channel') }}) as channel,
        {{ clean_text('store_id') }} as store_id,
        upper({{ clean_text('currency') }}) as currency,
        {{ clean_text('promo_code') }} as promo_code,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('customer_crm_contact_id') }} as customer_crm_contact_id,
        {{ clean_text('customer_email') }} as customer_email,
        {{ clean_text('customer_phone') }} as customer_phone,
        coalesce(cast({{ clean_text('discount') }} as decimal(18, 2)), 0) as discount_amount,
        coalesce(cast({{ clean_text('shipping') }} as decimal(18, 2)), 0) as shipping_amount,
        cast({{ clean_text('total') }} as decimal(18, 2)) as total_amount,
        _source_file,
        _source_line,
        _loaded_at
    from source
),

latest as (
    {{ latest_record('select * from typed', 'order_id', 'updated_at desc nulls last') }}
),

final as (
    select
        order_id,
        ordered_at,
        updated_at,
        status,
        channel,
        store_id,
        currency,
        promo_code,
        campaign_id,
        customer_crm_contact_id,
        customer_email,
        customer_phone,
        discount_amount,
        shipping_amount,
        total_amount,
        _source_file,
        _source_line,
        _loaded_at,
        {{ staged_at() }} as _staged_at
    from latest
)

select * from final
