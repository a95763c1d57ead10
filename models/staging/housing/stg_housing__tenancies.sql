{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'tenancy_ref': 'trim(tenancy_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'tenancies'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['tenancy_ref']) }}
),

addressed as (
    select
        *,
        {{ address_line(['address_1', 'address_2', 'address_3']) }} as address_text
    from latest
),

cleaned as (
    select
        'housing' as source_system,
        trim(tenancy_ref) as source_record_id,
        {{ key.tenancy_ref }} as tenancy_ref,
        {{ parse_uprn('property_uprn') }} as uprn_supplied,
        address_text,
        {{ standardise_address('address_text') }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        {{ clean_text('address_1') }} as address_line_1,
        {{ clean_text('address_2') }} as address_line_2,
        {{ clean_text('address_3') }} as address_line_3,
        {{ clean_code('tenure_type') }} as tenure_type,
        {{ parse_date('tenancy_start', date_format) }} as tenancy_started_on,
        {{ parse_date('tenancy_end', date_format) }} as tenancy_ended_on,
        {{ parse_decimal('weekly_rent') }} as weekly_rent,
        _extract_date as extract_date
    from addressed
)

select * from cleaned
