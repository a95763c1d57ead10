{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'assessment_id': 'trim(assessmentid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'assessments'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['assessmentid']) }}
),

cleaned as (
    select
        {{ key.assessment_id }} as assessment_id,
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
