{% set date_format = '%Y-%m-%d 00:00:00' %}

with

source as (
    select * from {{ source('housing', 'temporary_accommodation') }}
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
        trim(placement_ref) as placement_ref,
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
