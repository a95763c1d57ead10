{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('revenues', 'discounts') }}
),

latest as (
    select * from source
    {{ latest_version(['account_ref', 'discount_code', 'start_date']) }}
),

discount_codes as (
    select * from {{ ref('council_tax_discount_codes') }}
),

cleaned as (
    select
        trim(account_ref) as account_ref,
        {{ clean_code('discount_code') }} as discount_code,
        {{ parse_date('start_date', date_format) }} as started_on,
        {{ parse_date('end_date', date_format) }} as ended_on,
        {{ parse_decimal('annual_amount') }} as annual_amount,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        discount_codes.description as discount,
        discount_codes.kind as discount_kind
    from cleaned
    left join discount_codes on cleaned.discount_code = discount_codes.code
)

select * from coded
