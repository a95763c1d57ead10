{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'person_id': 'trim(la_person_unique_identifier)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('adult_social_care', 'persons'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['la_person_unique_identifier']) }}
),

support_reasons as (
    select * from {{ ref('asc_primary_support_reasons') }}
),

identified as (
    select
        *,
        {{ nhs_number_candidate('nhs_number') }} as nhs_number_candidate
    from latest
),

cleaned as (
    select
        'adult_social_care' as source_system,
        trim(la_person_unique_identifier) as source_record_id,
        {{ key.person_id }} as person_id,
        {{ person_names('given_name', 'family_name') }},
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('gender') }} as sex_code,
        {{ person_identifiers(['nhs_number']) }},
        {{ clean_code('ethnicity') }} as ethnicity_code,
        {{ clean_code('primary_support_reason') }} as primary_support_reason_code,
        {{ clean_text('accommodation_status') }} as accommodation_status,
        {{ parse_date('date_of_death', date_format) }} as died_on,
        _extract_date as extract_date
    from identified
),

coded as (
    {{ with_sex_and_ethnicity('cleaned') }}
),

supported as (
    select
        coded.*,
        support_reasons.description as primary_support_reason,
        support_reasons.support_group as primary_support_group
    from coded
    left join support_reasons on coded.primary_support_reason_code = support_reasons.code
)

select * from supported
