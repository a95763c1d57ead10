{{ config(materialized='table', schema='intermediate') }}

{#- Child and family assessments with their timeliness: authorised within 45 working days of the
    start (Working Together). Working days skip Saturdays and Sundays; bank holidays are not
    known to the warehouse, so a handful of assessments near the limit may count as on time. -#}

with

assessments as (
    select * from {{ ref('stg_childrens_social_care__assessments') }}
),

day_numbers as (
    -- Days since Monday 1 January 1900, for the day after the start and after authorisation.
    select
        *,
        started_on + 1 - date '1900-01-01' as start_day,
        authorised_on + 1 - date '1900-01-01' as authorised_day
    from assessments
),

working_days as (
    -- Working days after the start up to and including authorisation: weekdays before the day
    -- after authorisation less weekdays before the day after the start, where the weekdays
    -- before day n are 5 per whole week plus the first 5 days of the week n falls in.
    select
        *,
        case
            when authorised_on >= started_on
                then
                    (authorised_day // 7 * 5 + least(authorised_day % 7, 5))
                    - (start_day // 7 * 5 + least(start_day % 7, 5))
        end as working_days_to_authorise
    from day_numbers
),

timed as (
    select
        assessment_id,
        referral_id,
        child_id,
        started_on,
        authorised_on,
        assessment_factors,
        assessment_factor_codes,
        extract_date,
        working_days_to_authorise,
        coalesce(working_days_to_authorise <= 45, false) as is_within_45_working_days
    from working_days
)

select * from timed
