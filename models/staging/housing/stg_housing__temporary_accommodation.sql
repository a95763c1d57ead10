{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'placement_ref': 'trim(placement_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'temporary_accommodation'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['placement_ref']) }}
),

ta_types as (
    select * from {{ ref('hclic_temporary_accommodation_types') }}
),

cleaned as (
    select
        'housing' as source_system,
        trim(placement_ref) as source_record_id,
        {{ key.placement_ref }} as placement_ref,
        trim(case_ref) as case_ref,
        {{ clean_code('ta_type') }} as ta_type,
        {{ parse_uprn('property_uprn') }} as uprn_supplied,
        -- Housing records a placement by its UPRN only; the text columns keep the address shape.
        cast(null as varchar) as address_text,
        cast(null as varchar) as address_std,
        cast(null as varchar) as postcode,
        {{ parse_date('placement_start', date_format) }} as placement_started_on,
        {{ parse_date('placement_end', date_format) }} as placement_ended_on,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        ta_types.ta_category,
        ta_types.is_bed_and_breakfast
    from cleaned
    left join ta_types on cleaned.ta_type = ta_types.code
)

select * from coded
