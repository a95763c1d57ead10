{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'cp_plans') }}
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
        trim(cppid) as cp_plan_id,
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
