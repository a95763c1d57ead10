{% set date_format = '%Y-%m-%d 00:00:00' %}

with

source as (
    select * from {{ source('housing', 'persons') }}
),

latest as (
    select * from source
    {{ latest_version(['person_ref']) }}
),

sex_codes as (
    select * from {{ ref('sex_codes') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
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
        trim(person_ref) as person_ref,
        {{ clean_text('title') }} as title,
        {{ clean_text('forename') }} as forename,
        {{ clean_text('surname') }} as surname,
        {{ standardise_name('forename') }} as forename_std,
        {{ standardise_name('surname') }} as surname_std,
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('gender') }} as sex_code,
        cast(null as varchar) as nhs_number,
        {{ ni_number_clean('ni_number_candidate') }} as ni_number,
        {{ ni_number_is_valid('ni_number_candidate') }} as ni_number_is_valid,
        cast(null as varchar) as upn,
        {{ clean_code('ethnicity') }} as ethnicity_code,
        _extract_date as extract_date
    from identified
),

coded as (
    select
        cleaned.*,
        coalesce(sex_codes.sex, 'U') as sex,
        ethnicity_codes.description as ethnicity,
        ethnicity_codes.ethnic_group,
        ethnicity_codes.dfe_code as ethnicity_dfe_code
    from cleaned
    left join sex_codes on cleaned.sex_code = sex_codes.code
    left join ethnicity_codes on cleaned.ethnicity_code = ethnicity_codes.code
)

select * from coded
