{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {
    'tenancy_ref': 'trim(tenancy_ref)',
    'person_ref': 'trim(person_ref)',
} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'tenancy_members'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['tenancy_ref', 'person_ref']) }}
),

cleaned as (
    select
        {{ key.tenancy_ref }} as tenancy_ref,
        {{ key.person_ref }} as person_ref,
        {{ clean_code('role') }} as role,
        {{ parse_date('start_date', date_format) }} as started_on,
        {{ parse_date('end_date', date_format) }} as ended_on,
        _extract_date as extract_date
    from latest
)

select * from cleaned
