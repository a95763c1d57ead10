{% set date_format = '%Y-%m-%d' %}

with

source as (
    select * from {{ source('adult_social_care', 'persons') }}
),

latest as (
    select * from source
    {{ latest_version(['la_person_unique_identifier']) }}
),

sex_codes as (
    select * from {{ ref('sex_codes') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
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
        trim(la_person_unique_identifier) as person_id,
        {{ clean_text('given_name') }} as forename,
        {{ clean_text('family_name') }} as surname,
        {{ standardise_name('given_name') }} as forename_std,
        {{ standardise_name('family_name') }} as surname_std,
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('gender') }} as sex_code,
        {{ nhs_number_clean('nhs_number_candidate') }} as nhs_number,
        {{ nhs_number_is_valid('nhs_number_candidate') }} as nhs_number_is_valid,
        cast(null as varchar) as ni_number,
        cast(null as varchar) as upn,
        {{ clean_code('ethnicity') }} as ethnicity_code,
        {{ clean_code('primary_support_reason') }} as primary_support_reason_code,
        {{ clean_text('accommodation_status') }} as accommodation_status,
        {{ parse_date('date_of_death', date_format) }} as died_on,
        _extract_date as extract_date
    from identified
),

coded as (
    select
        cleaned.*,
        coalesce(sex_codes.sex, 'U') as sex,
        ethnicity_codes.description as ethnicity,
        ethnicity_codes.ethnic_group,
        ethnicity_codes.dfe_code as ethnicity_dfe_code,
        support_reasons.description as primary_support_reason,
        support_reasons.support_group as primary_support_group
    from cleaned
    left join sex_codes on cleaned.sex_code = sex_codes.code
    left join ethnicity_codes on cleaned.ethnicity_code = ethnicity_codes.code
    left join support_reasons on cleaned.primary_support_reason_code = support_reasons.code
)

select * from coded
