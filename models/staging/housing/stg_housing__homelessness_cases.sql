{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'case_ref': 'trim(case_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'homelessness_cases'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['case_ref']) }}
),

main_duty_decisions as (
    select * from {{ ref('hclic_main_duty_decisions') }}
),

reasons as (
    select * from {{ ref('hclic_reasons_loss_of_home') }}
),

cleaned as (
    select
        'housing' as source_system,
        trim(case_ref) as source_record_id,
        {{ key.case_ref }} as case_ref,
        trim(person_ref) as person_ref,
        {{ parse_date('approach_date', date_format) }} as approached_on,
        {{ clean_code('household_type') }} as household_type,
        {{ clean_code('reason_loss_of_home') }} as reason_loss_of_home_code,
        cast(null as bigint) as uprn_supplied,
        {{ clean_text('last_settled_address') }} as address_text,
        {{ standardise_address(clean_text('last_settled_address')) }} as address_std,
        {{ normalise_postcode('last_settled_postcode') }} as postcode,
        {{ parse_date('prevention_duty_date', date_format) }} as prevention_duty_on,
        {{ parse_date('relief_duty_date', date_format) }} as relief_duty_on,
        {{ clean_code('main_duty_decision') }} as main_duty_decision,
        {{ parse_date('main_duty_decision_date', date_format) }} as main_duty_decided_on,
        {{ parse_date('case_closed_date', date_format) }} as closed_on,
        {{ clean_code('closure_reason') }} as closure_reason,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        main_duty_decisions.is_main_duty_owed,
        reasons.description as reason_loss_of_home,
        reasons.reason_group as reason_loss_of_home_group
    from cleaned
    left join reasons on cleaned.reason_loss_of_home_code = reasons.code
    left join main_duty_decisions on cleaned.main_duty_decision = main_duty_decisions.code
)

select * from coded
