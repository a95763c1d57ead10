{% set date_format = '%Y-%m-%d 00:00:00' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'person_ref': 'trim(person_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('housing', 'persons'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['person_ref']) }}
),

identified as (
    select
        *,
        {{ ni_number_candidate('ni_number') }} as ni_number_candidate
    from latest
),

cleaned as (
    select
        'housing' as source_system,
        trim(person_ref) as source_record_id,
        {{ key.person_ref }} as person_ref,
        {{ clean_text('title') }} as title,
        {{ person_names('forename', 'surname') }},
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('gender') }} as sex_code,
        {{ person_identifiers(['ni_number']) }},
        {{ clean_code('ethnicity') }} as ethnicity_code,
        _extract_date as extract_date
    from identified
),

coded as (
    {{ with_sex_and_ethnicity('cleaned') }}
)

select * from coded
