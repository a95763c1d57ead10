{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {
    'account_ref': 'trim(account_ref)',
    'discount_code': clean_code('discount_code'),
    'started_on': parse_date('start_date', date_format),
} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('revenues', 'discounts'), key) }}
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
        {{ key.account_ref }} as account_ref,
        {{ key.discount_code }} as discount_code,
        {{ key.started_on }} as started_on,
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
