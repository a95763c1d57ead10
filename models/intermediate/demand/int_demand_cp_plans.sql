{{ config(materialized='table', schema='intermediate') }}

{#- Child protection plans with the resident they concern and the two Annex A rules: a repeat plan
    is a second or later plan for the same child (ever); a plan lasting two years or more ended on
    or after the second anniversary of its start. -#}

with

cp_plans as (
    select * from {{ ref('stg_childrens_social_care__cp_plans') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

resolved as (
    select
        cp_plans.cp_plan_id,
        cp_plans.child_id,
        cp_plans.started_on,
        cp_plans.ended_on,
        cp_plans.initial_category_code,
        cp_plans.latest_category_code,
        bridge.resident_id,
        coalesce(cast(bridge.resident_id as varchar), 'childrens_social_care:' || cp_plans.child_id) as child_key
    from cp_plans
    left join bridge
        on bridge.source_system = 'childrens_social_care' and cp_plans.child_id = bridge.source_record_id
    where cp_plans.started_on is not null
),

flagged as (
    select
        cp_plan_id,
        child_id,
        resident_id,
        started_on,
        ended_on,
        initial_category_code,
        latest_category_code,
        row_number() over (partition by child_key order by started_on, cp_plan_id) > 1 as is_repeat_plan,
        coalesce(ended_on >= cast(started_on + interval 2 year as date), false) as lasted_two_years_or_more
    from resolved
)

select * from flagged
