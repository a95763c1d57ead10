{{ config(materialized='table', schema='intermediate') }}

{#- Each EHC plan with the request it answers and the 20-week clock: a plan is on time when it is
    issued no more than 140 days (20 weeks) after the request was received (SEN2 Week20). A plan
    whose request is unknown cannot be shown to be on time. -#}

with

plans as (
    select * from {{ ref('stg_send__plans') }}
),

requests as (
    select * from {{ ref('stg_send__requests') }}
),

timed as (
    select
        plans.plan_id,
        plans.request_id,
        plans.person_id,
        plans.issued_on,
        plans.ceased_on,
        plans.primary_need_code,
        plans.primary_need,
        plans.placement_type,
        plans.placement_group,
        requests.received_on as request_received_on,
        plans.issued_on - requests.received_on as days_from_request,
        coalesce(plans.issued_on - requests.received_on <= 140, false) as is_within_20_weeks
    from plans
    left join requests on plans.request_id = requests.request_id
)

select * from timed
