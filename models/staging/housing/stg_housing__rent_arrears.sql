{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {
    'tenancy_ref': 'trim(tenancy_ref)',
    'snapshot_on': parse_date('snapshot_date', date_format),
} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'rent_arrears'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['tenancy_ref', 'snapshot_date']) }}
),

recovery_stages as (
    select * from {{ ref('rent_recovery_stages') }}
),

cleaned as (
    select
        {{ key.tenancy_ref }} as tenancy_ref,
        {{ key.snapshot_on }} as snapshot_on,
        {{ parse_decimal('arrears_balance') }} as arrears_balance,
        {{ parse_decimal('weeks_in_arrears', 8, 2) }} as weeks_in_arrears,
        {{ clean_code('recovery_stage') }} as recovery_stage_code,
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
