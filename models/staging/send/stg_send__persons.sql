{#- xlsx date cells are loaded as 'YYYY-MM-DD' text. -#}
{% set date_format = '%Y-%m-%d' %}

with

source as (
    select * from {{ source('send', 'persons') }}
),

latest as (
    select * from source
    {{ latest_version(['person_id']) }}
),

identified as (
    select
        *,
        {{ upn_candidate('upn') }} as upn_candidate
    from latest
),

cleaned as (
    select
        'send' as source_system,
        trim(person_id) as source_record_id,
        trim(person_id) as person_id,
        {{ person_names('forename', 'surname') }},
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('sex') }} as sex_code,
        {{ person_identifiers(['upn']) }},
        {{ clean_code('ethnicity') }} as ethnicity_code,
        -- SEND holds no UPRN.
        cast(null as bigint) as uprn_supplied,
        {{ clean_text('address') }} as address_text,
        {{ standardise_address(clean_text('address')) }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        _extract_date as extract_date
    from identified
),

coded as (
    {{ with_sex_and_ethnicity('cleaned') }}
)

select * from coded
