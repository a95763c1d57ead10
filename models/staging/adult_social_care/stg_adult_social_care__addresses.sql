{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'address_id': 'trim(address_id)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('adult_social_care', 'addresses'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['address_id']) }}
),

addressed as (
    select
        *,
        {{ address_line(['address_line_1', 'address_line_2', 'address_line_3']) }} as address_text
    from latest
),

cleaned as (
    select
        'adult_social_care' as source_system,
        trim(address_id) as source_record_id,
        {{ key.address_id }} as address_id,
        trim(la_person_unique_identifier) as person_id,
        -- Adult social care holds no UPRN.
        cast(null as bigint) as uprn_supplied,
        address_text,
        {{ standardise_address('address_text') }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        {{ parse_date('start_date', date_format) }} as started_on,
        {{ parse_date('end_date', date_format) }} as ended_on,
        _extract_date as extract_date
    from addressed
)

select * from cleaned
