{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {
    'account_ref': 'trim(account_ref)',
    'financial_year': 'trim(financial_year)',
} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('revenues', 'arrears'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['account_ref', 'financial_year']) }}
),

recovery_stages as (
    select * from {{ ref('council_tax_recovery_stages') }}
),

cleaned as (
    select
        {{ key.account_ref }} as account_ref,
        {{ key.financial_year }} as financial_year,
        -- "2019/20", "2019-20" or "2019": the year in which the financial year starts (April).
        try_cast(left(trim(financial_year), 4) as integer) as financial_year_start,
        {{ parse_decimal('annual_charge') }} as annual_charge,
        {{ parse_decimal('amount_paid') }} as amount_paid,
        {{ parse_decimal('balance') }} as balance,
        {{ clean_code('recovery_stage') }} as recovery_stage_code,
        {{ parse_date('stage_date', date_format) }} as stage_reached_on,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        recovery_stages.description as recovery_stage,
        recovery_stages.stage_order as recovery_stage_order
    from cleaned
    left join recovery_stages on cleaned.recovery_stage_code = recovery_stages.code
)

select * from coded
