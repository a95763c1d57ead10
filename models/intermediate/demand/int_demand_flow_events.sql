{{ config(materialized='view', schema='intermediate') }}

{#- A view: DuckDB derives its rows from staging in a tenth of the time it takes to write them
    to the file again, every build (bench/RESULTS.md, "Intermediate models as views"). -#}

{#- Every event a flow measure counts (something that happens on a day: a request, a referral, a
    plan issued), one row per event and measure, in one shape. Measures that need to know which
    resident an event belongs to (re-referrals, repeat child protection plans) are added in the
    marts, after linkage. The service's own breakdowns travel as need and setting. -#}

with

send_requests as (
    select * from {{ ref('stg_send__requests') }}
),

send_plans as (
    select * from {{ ref('int_send_plans_timed') }}
),

contacts as (
    select * from {{ ref('stg_childrens_social_care__contacts') }}
),

referrals as (
    select * from {{ ref('stg_childrens_social_care__referrals') }}
),

assessments as (
    select * from {{ ref('int_csc_assessments_timed') }}
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

council_tax_arrears as (
    select * from {{ ref('stg_revenues__arrears') }}
),

council_tax_accounts as (
    select * from {{ ref('stg_revenues__accounts') }}
),

send_events as (
    select
        'send' as service,
        'requests_for_assessment' as measure,
        request_id as record_id,
        received_on as event_on,
        'send' as person_source_system,
        person_id as person_record_id,
        cast(null as varchar) as address_source_table,
        cast(null as varchar) as address_record_id,
        'request_source' as need_kind,
        request_source as need,
        cast(null as varchar) as setting_kind,
        cast(null as varchar) as setting,
        1.0 as amount,
        false as is_annual_only
    from send_requests
    union all
    select
        'send' as service,
        'needs_assessments_completed' as measure,
        request_id as record_id,
        assessment_decided_on as event_on,
        'send' as person_source_system,
        person_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'assessment_outcome' as need_kind,
        assessment_outcome as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from send_requests
    where assessment_decided_on is not null
    union all
    select
        'send' as service,
        'new_ehc_plans' as measure,
        plan_id as record_id,
        issued_on as event_on,
        'send' as person_source_system,
        person_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'primary_need' as need_kind,
        primary_need_code as need,
        'placement' as setting_kind,
        placement_group as setting,
        1.0 as amount,
        false as is_annual_only
    from send_plans
    union all
    select
        'send' as service,
        'new_ehc_plans_within_20_weeks' as measure,
        plan_id as record_id,
        issued_on as event_on,
        'send' as person_source_system,
        person_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'primary_need' as need_kind,
        primary_need_code as need,
        'placement' as setting_kind,
        placement_group as setting,
        1.0 as amount,
        false as is_annual_only
    from send_plans
    where is_within_20_weeks
),

childrens_events as (
    select
        'childrens_social_care' as service,
        'contacts' as measure,
        contact_id as record_id,
        contacted_on as event_on,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'contact_source' as need_kind,
        contact_source as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from contacts
    union all
    select
        'childrens_social_care' as service,
        'referrals' as measure,
        referral_id as record_id,
        referred_on as event_on,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'cin_primary_need' as need_kind,
        primary_need_code as need,
        'referral_source' as setting_kind,
        referral_source_cin_code as setting,
        1.0 as amount,
        false as is_annual_only
    from referrals
    union all
    select
        'childrens_social_care' as service,
        'assessments' as measure,
        assessment_id as record_id,
        started_on as event_on,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        null as need_kind,
        null as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from assessments
    union all
    select
        'childrens_social_care' as service,
        'assessments_completed' as measure,
        assessment_id as record_id,
        authorised_on as event_on,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        null as need_kind,
        null as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from assessments
    where authorised_on is not null
    union all
    select
        'childrens_social_care' as service,
        'assessments_completed_within_45_working_days' as measure,
        assessment_id as record_id,
        authorised_on as event_on,
        'childrens_social_care' as person_source_system,
        child_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        null as need_kind,
        null as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from assessments
    where is_within_45_working_days
),

adults_events as (
    select
        'adult_social_care' as service,
        case asc_events.event_type_code when 'REQUEST' then 'requests_for_support' else 'assessments' end as measure,
        asc_events.event_reference as record_id,
        asc_events.started_on as event_on,
        'adult_social_care' as person_source_system,
        asc_events.person_id as person_record_id,
        null as address_source_table,
        null as address_record_id,
        'primary_support_reason' as need_kind,
        asc_persons.primary_support_group as need,
        null as setting_kind,
        null as setting,
        1.0 as amount,
        false as is_annual_only
    from asc_events
    left join asc_persons on asc_events.person_id = asc_persons.person_id
    where asc_events.event_type_code in ('REQUEST', 'ASSESSMENT')
),

housing_events as (
    select
        'housing' as service,
        measures.measure,
        homelessness_cases.case_ref as record_id,
        case measures.measure
            when 'homelessness_approaches' then homelessness_cases.approached_on
            when 'prevention_duties_owed' then homelessness_cases.prevention_duty_on
            else homelessness_cases.relief_duty_on
        end as event_on,
        'housing' as person_source_system,
        homelessness_cases.person_ref as person_record_id,
        'homelessness_cases' as address_source_table,
        homelessness_cases.case_ref as address_record_id,
        'reason_loss_of_home' as need_kind,
        homelessness_cases.reason_loss_of_home_group as need,
        'household_type' as setting_kind,
        homelessness_cases.household_type as setting,
        1.0 as amount,
        false as is_annual_only
    from homelessness_cases
    cross join (
        values ('homelessness_approaches'), ('prevention_duties_owed'), ('relief_duties_owed')
    ) as measures (measure)
),

council_tax_events as (
    -- Arrears are reported per financial year: the year ending 31 March of the reporting year.
    select
        'council_tax' as service,
        measures.measure,
        council_tax_arrears.account_ref || ':' || council_tax_arrears.financial_year as record_id,
        make_date(council_tax_arrears.financial_year_start + 1, 3, 31) as event_on,
        cast(null as varchar) as person_source_system,
        cast(null as varchar) as person_record_id,
        'accounts' as address_source_table,
        council_tax_arrears.account_ref as address_record_id,
        'valuation_band' as need_kind,
        council_tax_accounts.valuation_band as need,
        'recovery_stage' as setting_kind,
        council_tax_arrears.recovery_stage_code as setting,
        case
            when measures.measure = 'arrears_value' then cast(council_tax_arrears.balance as double) else 1.0
        end as amount,
        true as is_annual_only
    from council_tax_arrears
    left join council_tax_accounts on council_tax_arrears.account_ref = council_tax_accounts.account_ref
    cross join (values ('accounts_in_arrears'), ('arrears_value')) as measures (measure)
    where council_tax_arrears.balance > 0 and council_tax_arrears.financial_year_start is not null
),

unioned as (
    select * from send_events
    union all
    select * from childrens_events
    union all
    select * from adults_events
    union all
    select * from housing_events
    union all
    select * from council_tax_events
)

select * from unioned
where event_on is not null
