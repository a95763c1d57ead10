{{ config(materialized='view', schema='intermediate') }}

{#- A view: DuckDB derives its rows from staging in a tenth of the time it takes to write them
    to the file again, every build (bench/RESULTS.md, "Intermediate models as views"). -#}

{#- Every spell a person record had with a service, in one shape: which service, from when to
    when. The marts attach each to its resident. -#}

with

tenancy_members as (
    select * from {{ ref('stg_housing__tenancy_members') }}
),

homelessness_cases as (
    select * from {{ ref('stg_housing__homelessness_cases') }}
),

temporary_accommodation as (
    select * from {{ ref('stg_housing__temporary_accommodation') }}
),

liable_parties as (
    select * from {{ ref('stg_revenues__liable_parties') }}
),

adult_social_care_events as (
    select * from {{ ref('stg_adult_social_care__events') }}
),

referrals as (
    select * from {{ ref('stg_childrens_social_care__referrals') }}
),

cp_plans as (
    select * from {{ ref('stg_childrens_social_care__cp_plans') }}
),

looked_after_episodes as (
    select * from {{ ref('stg_childrens_social_care__looked_after_episodes') }}
),

send_requests as (
    select * from {{ ref('stg_send__requests') }}
),

send_plans as (
    select * from {{ ref('stg_send__plans') }}
),

unioned as (
    select
        'housing' as source_system,
        person_ref as person_record_id,
        'council_tenancy' as service,
        lower(role) as detail,
        started_on,
        ended_on
    from tenancy_members
    union all
    select
        'housing',
        person_ref,
        'homelessness',
        household_type,
        approached_on,
        closed_on
    from homelessness_cases
    union all
    select
        'housing',
        homelessness_cases.person_ref,
        'temporary_accommodation',
        temporary_accommodation.ta_type,
        temporary_accommodation.placement_started_on,
        temporary_accommodation.placement_ended_on
    from temporary_accommodation
    inner join homelessness_cases on temporary_accommodation.case_ref = homelessness_cases.case_ref
    union all
    select
        'revenues',
        party_ref,
        'council_tax',
        'liable party',
        liable_from,
        liable_to
    from liable_parties
    union all
    select
        'adult_social_care',
        person_id,
        'adult_social_care',
        lower(coalesce(event_type, event_type_code)),
        started_on,
        ended_on
    from adult_social_care_events
    union all
    select
        'childrens_social_care',
        child_id,
        'children_in_need',
        primary_need,
        referred_on,
        closed_on
    from referrals
    union all
    select
        'childrens_social_care',
        child_id,
        'child_protection',
        latest_category,
        started_on,
        ended_on
    from cp_plans
    union all
    select
        'childrens_social_care',
        child_id,
        'looked_after',
        legal_status,
        started_on,
        ended_on
    from looked_after_episodes
    union all
    select
        'send',
        person_id,
        'send_request',
        request_outcome,
        received_on,
        coalesce(assessment_decided_on, request_decided_on)
    from send_requests
    union all
    select
        'send',
        person_id,
        'ehc_plan',
        primary_need,
        issued_on,
        ceased_on
    from send_plans
),

keyed as (
    select
        source_system,
        person_record_id,
        source_system || ':' || person_record_id as person_record_key,
        service,
        detail,
        started_on,
        ended_on
    from unioned
    where person_record_id is not null and started_on is not null
)

select * from keyed
