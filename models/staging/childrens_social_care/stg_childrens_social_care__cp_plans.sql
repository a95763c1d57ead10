{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'cp_plan_id': 'trim(cppid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'cp_plans'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['cppid']) }}
),

categories as (
    select * from {{ ref('cp_categories_of_abuse') }}
),

cleaned as (
    select
        {{ key.cp_plan_id }} as cp_plan_id,
        trim(lachildid) as child_id,
        trim(referralid) as referral_id,
        {{ parse_date('cppstartdate', date_format) }} as started_on,
        {{ parse_date('cppenddate', date_format) }} as ended_on,
        {{ clean_code('initialcategoryofabuse') }} as initial_category_code,
        {{ clean_code('latestcategoryofabuse') }} as latest_category_code,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        initial_categories.description as initial_category,
        latest_categories.description as latest_category
    from cleaned
    left join categories as initial_categories
        on cleaned.initial_category_code = initial_categories.code
    left join categories as latest_categories
        on cleaned.latest_category_code = latest_categories.code
)

select * from coded
