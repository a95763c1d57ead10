{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'assessments') }}
),

latest as (
    select * from source
    {{ latest_version(['assessmentid']) }}
),

cleaned as (
    select
        trim(assessmentid) as assessment_id,
        trim(referralid) as referral_id,
        trim(lachildid) as child_id,
        {{ parse_date('assessmentactualstartdate', date_format) }} as started_on,
        {{ parse_date('assessmentauthorisationdate', date_format) }} as authorised_on,
        {{ clean_text('assessmentfactors') }} as assessment_factors,
        -- Factor codes ("2A", "4B", "21") separated by commas, semicolons or spaces.
        list_filter(
            string_split_regex(upper({{ clean_text('assessmentfactors') }}), '[,;\s]+'),
            lambda factor: factor <> ''
        ) as assessment_factor_codes,
        _extract_date as extract_date
    from latest
)

select * from cleaned
