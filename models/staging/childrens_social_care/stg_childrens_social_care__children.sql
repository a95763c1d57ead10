{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'child_id': 'trim(lachildid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'children'), key) }}
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
        {{ key.child_id }} as child_id,
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
