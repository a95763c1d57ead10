{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'children') }}
),

latest as (
    select * from source
    {{ latest_version(['lachildid']) }}
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
        {{ upn_candidate('upn') }} as upn_candidate
    from latest
),

cleaned as (
    select
        'childrens_social_care' as source_system,
        trim(lachildid) as source_record_id,
        trim(lachildid) as child_id,
        {{ clean_text('forename') }} as forename,
        {{ clean_text('surname') }} as surname,
        {{ standardise_name('forename') }} as forename_std,
        {{ standardise_name('surname') }} as surname_std,
        {{ parse_date('personbirthdate', date_format) }} as birth_date,
        {{ clean_code('sex') }} as sex_code,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as ni_number,
        {{ upn_clean('upn_candidate') }} as upn,
        {{ upn_is_valid('upn_candidate') }} as upn_is_valid,
        {{ clean_code('ethnicity') }} as ethnicity_code,
        {{ parse_date('persondeathdate', date_format) }} as died_on,
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
