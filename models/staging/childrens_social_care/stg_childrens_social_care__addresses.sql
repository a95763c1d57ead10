{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'address_id': 'trim(addressid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'addresses'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['addressid']) }}
),

cleaned as (
    select
        'childrens_social_care' as source_system,
        trim(addressid) as source_record_id,
        {{ key.address_id }} as address_id,
        trim(lachildid) as child_id,
        -- Children's social care holds no UPRN.
        cast(null as bigint) as uprn_supplied,
        {{ clean_text('addresstext') }} as address_text,
        {{ standardise_address(clean_text('addresstext')) }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        {{ parse_date('startdate', date_format) }} as started_on,
        {{ parse_date('enddate', date_format) }} as ended_on,
        _extract_date as extract_date
    from latest
)

select * from cleaned
