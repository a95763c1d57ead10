{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'children') }}
),

latest as (
    select * from source
    {{ latest_version(['lachildid']) }}
),

identified as (
    select
        *,
        {{ upn_candidate('upn') }} as upn_candidate
    from latest
),

cleaned as (
    select
        'childrens_social_care' as source_system,
        trim(lachildid) as source_record_id,
        trim(lachildid) as child_id,
        {{ person_names('forename', 'surname') }},
        {{ parse_date('personbirthdate', date_format) }} as birth_date,
        {{ clean_code('sex') }} as sex_code,
        {{ person_identifiers(['upn']) }},
        {{ clean_code('ethnicity') }} as ethnicity_code,
        {{ parse_date('persondeathdate', date_format) }} as died_on,
        _extract_date as extract_date
    from identified
),

coded as (
    {{ with_sex_and_ethnicity('cleaned') }}
)

select * from coded
