{% set date_format = '%Y-%m-%d 00:00:00' %}

with

source as (
    select * from {{ source('housing', 'tenancy_members') }}
),

latest as (
    select * from source
    {{ latest_version(['tenancy_ref', 'person_ref']) }}
),

cleaned as (
    select
        trim(tenancy_ref) as tenancy_ref,
        trim(person_ref) as person_ref,
        {{ clean_code('role') }} as role,
        {{ parse_date('start_date', date_format) }} as started_on,
        {{ parse_date('end_date', date_format) }} as ended_on,
        _extract_date as extract_date
    from latest
)

select * from cleaned
