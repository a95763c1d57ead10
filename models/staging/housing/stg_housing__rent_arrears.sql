{% set date_format = '%Y-%m-%d 00:00:00' %}

with

source as (
    select * from {{ source('housing', 'rent_arrears') }}
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
        trim(tenancy_ref) as tenancy_ref,
        {{ parse_date('snapshot_date', date_format) }} as snapshot_on,
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
