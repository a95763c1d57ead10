{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'addresses') }}
),

latest as (
    select * from source
    {{ latest_version(['addressid']) }}
),

cleaned as (
    select
        'childrens_social_care' as source_system,
        trim(addressid) as source_record_id,
        trim(addressid) as address_id,
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
