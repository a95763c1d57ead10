{{ config(materialized='view', schema='intermediate') }}

{#- A view: writing its 8 million rows (at 1,200,000 residents) took longer than the two models
    and five tests that read it take to derive them again (bench/RESULTS.md). -#}

{#- Every spell a stock measure counts (something open over a period: a plan in force, an episode
    of care, a placement), one row per spell and measure. A spell is in force on a date when it
    started on or before it and ends after it: ends_after is the first day it is no longer in
    force (null while open). The unit counted is the resident for measures of people, else the
    case, tenancy or account. census says which statutory date the yearly figure is taken on. -#}

with

send_plans as (
    select * from {{ ref('stg_send__plans') }}
),

referrals as (
    select * from {{ ref('stg_childrens_social_care__referrals') }}
),

cp_plans as (
    select * from {{ ref('stg_childrens_social_care__cp_plans') }}
),

looked_after as (
    select * from {{ ref('stg_childrens_social_care__looked_after_episodes') }}
),

asc_events as (
    select * from {{ ref('stg_adult_social_care__events') }}
),

asc_persons as (
    select * from {{ ref('stg_adult_social_care__persons') }}
),

homelessness_cases as (
    select * from {{ ref('stg_housing__homelessness_cases') }}
),

temporary_accommodation as (
    select * from {{ ref('stg_housing__temporary_accommodation') }}
),

rent_arrears as (
    select * from {{ ref('stg_housing__rent_arrears') }}
),

tenancy_members as (
    select * from {{ ref('stg_housing__tenancy_members') }}
),

discounts as (
    select * from {{ ref('stg_revenues__discounts') }}
),

council_tax_accounts as (
    select * from {{ ref('stg_revenues__accounts') }}
),

liable_parties as (
    select * from {{ ref('stg_revenues__liable_parties') }}
),

lead_tenants as (
    -- The person a tenancy is reported under: the lead tenant, else the first member.
    select
        tenancy_ref,
        person_ref
    from tenancy_members
    qualify row_number() over (
        partition by tenancy_ref order by role = 'LEAD TENANT' desc, started_on nulls last, person_ref asc
    ) = 1
),

first_liable_parties as (
    select
        account_ref,
        party_ref
    from liable_parties
    qualify row_number() over (partition by account_ref order by liable_from nulls last, party_ref) = 1
),

spells as (
    select
        'send' as service,
        'ehc_plans_in_force_january' as measure,
        'january' as census,
        'resident' as unit_kind,
        cast(null as varchar) as unit_ref,
        plan_id as record_id,
        issued_on as started_on,
        ceased_on as ends_after,
        'send' as person_source_system,
        person_id as person_record_id,
        cast(null as varchar) as address_source_table,
        cast(null as varchar) as address_record_id,
        'primary_need' as need_kind,
        primary_need_code as need,
        'placement' as setting_kind,
        placement_group as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from send_plans
    union all
    select
        'childrens_social_care' as service,
        'children_in_need_31_march' as measure,
        'march' as census,
        'resident' as unit_kind,
        null as unit_ref,
        referral_id as record_id,
        referred_on as started_on,
        closed_on as ends_after,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'cin_primary_need' as need_kind,
        primary_need_code as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from referrals
    union all
    select
        'childrens_social_care' as service,
        'cp_plans_31_march' as measure,
        'march' as census,
        'resident' as unit_kind,
        null as unit_ref,
        cp_plan_id as record_id,
        started_on,
        ended_on as ends_after,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'category_of_abuse' as need_kind,
        latest_category_code as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from cp_plans
    union all
    select
        'childrens_social_care' as service,
        'children_looked_after_31_march' as measure,
        'march' as census,
        'resident' as unit_kind,
        null as unit_ref,
        episode_id as record_id,
        started_on,
        ended_on as ends_after,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'legal_status' as need_kind,
        legal_status_code as need,
        'placement' as setting_kind,
        placement_group as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from looked_after
    union all
    select
        'adult_social_care' as service,
        'people_in_long_term_support_31_march' as measure,
        'march' as census,
        'resident' as unit_kind,
        null as unit_ref,
        asc_events.event_reference as record_id,
        asc_events.started_on,
        asc_events.ended_on as ends_after,
        'adult_social_care' as person_source_system,
        asc_events.person_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'primary_support_reason' as need_kind,
        asc_persons.primary_support_group as need,
        'setting' as setting_kind,
        asc_events.service_setting as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from asc_events
    left join asc_persons on asc_events.person_id = asc_persons.person_id
    where asc_events.event_type_code = 'SERVICE' and asc_events.service_type_code like 'LONG TERM%'
    union all
    select
        'housing' as service,
        'households_in_temporary_accommodation_31_march' as measure,
        'march' as census,
        'case' as unit_kind,
        temporary_accommodation.case_ref as unit_ref,
        temporary_accommodation.placement_ref as record_id,
        temporary_accommodation.placement_started_on as started_on,
        temporary_accommodation.placement_ended_on as ends_after,
        'housing' as person_source_system,
        homelessness_cases.person_ref as person_record_id,
        'homelessness_cases' as address_source_table,
        temporary_accommodation.case_ref as address_record_id,
        'temporary_accommodation_type' as need_kind,
        temporary_accommodation.ta_category as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from temporary_accommodation
    left join homelessness_cases on temporary_accommodation.case_ref = homelessness_cases.case_ref
    union all
    -- A month-end arrears snapshot is in force on its own date only.
    select
        'housing' as service,
        'tenancies_in_rent_arrears_31_march' as measure,
        'march' as census,
        'tenancy' as unit_kind,
        rent_arrears.tenancy_ref as unit_ref,
        rent_arrears.tenancy_ref || ':' || strftime(rent_arrears.snapshot_on, '%Y-%m-%d') as record_id,
        rent_arrears.snapshot_on as started_on,
        rent_arrears.snapshot_on + 1 as ends_after,
        'housing' as person_source_system,
        lead_tenants.person_ref as person_record_id,
        'tenancies' as address_source_table,
        rent_arrears.tenancy_ref as address_record_id,
        'recovery_stage' as need_kind,
        rent_arrears.recovery_stage_code as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        true as is_dated_snapshot
    from rent_arrears
    left join lead_tenants on rent_arrears.tenancy_ref = lead_tenants.tenancy_ref
    union all
    -- A reduction's end date is its last day in force.
    select
        'council_tax' as service,
        'council_tax_reduction_caseload_31_march' as measure,
        'march' as census,
        'account' as unit_kind,
        discounts.account_ref as unit_ref,
        discounts.account_ref || ':' || strftime(discounts.started_on, '%Y-%m-%d') as record_id,
        discounts.started_on,
        discounts.ended_on + 1 as ends_after,
        'revenues' as person_source_system,
        first_liable_parties.party_ref as person_record_id,
        'accounts' as address_source_table,
        discounts.account_ref as address_record_id,
        'valuation_band' as need_kind,
        council_tax_accounts.valuation_band as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_dated_snapshot
    from discounts
    left join council_tax_accounts on discounts.account_ref = council_tax_accounts.account_ref
    left join first_liable_parties on discounts.account_ref = first_liable_parties.account_ref
    where discounts.discount_code = 'CTR'
)

select * from spells
where started_on is not null
