{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    schema='marts',
    pre_hook="{{ forget_changed_units(ref('int_demand_event_units'), ['build_unit'], keep_changes=demand_count_columns()) }}",
    post_hook="{{ remember_units(ref('int_demand_event_units'), ['build_unit'], keep_changes=demand_count_columns()) }}",
) }}

{#- One row per thing a demand measure counts: an event for flow measures (a referral, a plan
    issued), a unit on a date for stock measures (a resident with a plan in force on the census
    date, a case in temporary accommodation at a month end). Each carries the resident (never a
    name), the ward, age band and sex on the date counted, and the service's own breakdowns.
    Every monthly and yearly demand figure is a sum of amount over these rows. Incremental by
    build_unit (an event, a unit, or a unit in a dated snapshot's year): a nightly build rebuilds
    those whose inputs changed (int_demand_event_units, macros/incremental.sql). -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

flow_events as (
    select * from {{ ref('int_demand_flow_events') }} as events
    where {{ unit_is_to_build(['build_unit'], ['events.record_id']) }}
),

referrals as (
    select * from {{ ref('int_demand_csc_referrals') }}
),

cp_plans as (
    select * from {{ ref('int_demand_cp_plans') }}
),

snapshots as (
    select * from {{ ref('int_demand_snapshots') }} as stocks
    where {{ unit_is_to_build(['build_unit'], ['stocks.build_unit']) }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

address_uprns as (
    select * from {{ ref('bridge_address_uprn') }}
),

residents as (
    select * from {{ ref('int_demand_residents') }}
),

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }}
),

properties as (
    select * from {{ ref('dim_property') }}
),

age_bands as (
    select * from {{ ref('int_demand_age_bands') }}
),

linked_flows as (
    select
        'childrens_social_care' as service,
        're_referrals_within_12_months' as measure,
        referral_id as record_id,
        referred_on as event_on,
        resident_id,
        'cin_primary_need' as need_kind,
        primary_need_code as need,
        'referral_source' as setting_kind,
        referral_source_cin_code as setting
    from referrals
    where is_re_referral
    union all
    select
        'childrens_social_care' as service,
        'cp_plans_started' as measure,
        cp_plan_id as record_id,
        started_on as event_on,
        resident_id,
        'category_of_abuse' as need_kind,
        initial_category_code as need,
        null as setting_kind,
        null as setting
    from cp_plans
    union all
    select
        'childrens_social_care' as service,
        'repeat_cp_plans_started' as measure,
        cp_plan_id as record_id,
        started_on as event_on,
        resident_id,
        'category_of_abuse' as need_kind,
        initial_category_code as need,
        null as setting_kind,
        null as setting
    from cp_plans
    where is_repeat_plan
    union all
    select
        'childrens_social_care' as service,
        'cp_plans_ended' as measure,
        cp_plan_id as record_id,
        ended_on as event_on,
        resident_id,
        'category_of_abuse' as need_kind,
        latest_category_code as need,
        null as setting_kind,
        null as setting
    from cp_plans
    where ended_on is not null
    union all
    select
        'childrens_social_care' as service,
        'cp_plans_ended_lasting_2_years_or_more' as measure,
        cp_plan_id as record_id,
        ended_on as event_on,
        resident_id,
        'category_of_abuse' as need_kind,
        latest_category_code as need,
        null as setting_kind,
        null as setting
    from cp_plans
    where lasted_two_years_or_more
),

linked_flows_to_build as (
    select * from linked_flows
    where {{ unit_is_to_build(['build_unit'], ['linked_flows.record_id']) }}
),

counted as (
    select
        flow_events.service,
        flow_events.measure,
        'event' as snapshot,
        flow_events.event_on as counted_on,
        flow_events.record_id,
        flow_events.record_id as unit_id,
        flow_events.record_id as build_unit,
        bridge.resident_id,
        flow_events.address_source_table,
        flow_events.address_record_id,
        flow_events.need_kind,
        flow_events.need,
        flow_events.setting_kind,
        flow_events.setting,
        flow_events.amount,
        flow_events.is_annual_only
    from flow_events
    left join bridge
        on
            flow_events.person_source_system = bridge.source_system
            and flow_events.person_record_id = bridge.source_record_id
    union all
    select
        service,
        measure,
        'event' as snapshot,
        event_on as counted_on,
        record_id,
        record_id as unit_id,
        record_id as build_unit,
        resident_id,
        null as address_source_table,
        null as address_record_id,
        need_kind,
        need,
        setting_kind,
        setting,
        1.0 as amount,
        false as is_annual_only
    from linked_flows_to_build
    where event_on is not null
    union all
    select
        service,
        measure,
        snapshot,
        snapshot_on as counted_on,
        record_id,
        unit_id,
        build_unit,
        resident_id,
        address_source_table,
        address_record_id,
        need_kind,
        need,
        setting_kind,
        setting,
        amount,
        false as is_annual_only
    from snapshots
),

in_calendar as (
    select counted.*
    from counted
    where year(counted.counted_on) in (select distinct calendar.year from calendar)
),

own_addressed as (
    -- A case, tenancy or account located by its own address record.
    select
        in_calendar.*,
        address_uprns.uprn as own_uprn
    from in_calendar
    left join address_uprns
        on
            address_uprns.source_system = {{ demand_address_system('in_calendar.service') }}
            and in_calendar.address_source_table = address_uprns.source_table
            and in_calendar.address_record_id = address_uprns.source_record_id
            and address_uprns.uprn is not null
),

dates_to_place as (
    -- The rest are placed by the resident and the date alone, and most residents are counted on
    -- the same month ends many times over: look each resident and date up once.
    select distinct
        resident_id,
        counted_on
    from own_addressed
    where own_uprn is null and resident_id is not null
),

lived_at as (
    -- Where the resident lived on the date counted (the latest address begun by then).
    select
        dates_to_place.resident_id,
        dates_to_place.counted_on,
        resident_addresses.uprn
    from dates_to_place
    inner join resident_addresses
        on
            dates_to_place.resident_id = resident_addresses.resident_id
            and dates_to_place.counted_on >= resident_addresses.started_on
            and dates_to_place.counted_on <= resident_addresses.ended_on
    qualify row_number() over (
        partition by dates_to_place.resident_id, dates_to_place.counted_on
        order by resident_addresses.started_on desc, resident_addresses.uprn asc
    ) = 1
),

located as (
    select
        own_addressed.*,
        residents.birth_date,
        residents.sex,
        coalesce(own_addressed.own_uprn, lived_at.uprn, residents.current_uprn) as uprn
    from own_addressed
    left join lived_at
        on own_addressed.resident_id = lived_at.resident_id and own_addressed.counted_on = lived_at.counted_on
    left join residents on own_addressed.resident_id = residents.resident_id
),

described as (
    -- Plain columns first, then the derived ones (the contract fixes the mart's column order).
    select
        located.service,
        located.measure,
        located.snapshot,
        located.counted_on,
        located.record_id,
        located.unit_id,
        located.build_unit,
        located.resident_id,
        properties.ward_code,
        age_bands.age_band,
        located.need_kind,
        located.need,
        located.setting_kind,
        located.setting,
        located.is_annual_only,
        cast(year(located.counted_on) as integer) as year,
        cast(date_trunc('month', located.counted_on) as date) as month_start,
        cast(located.amount as double) as amount,
        case when located.sex in ('M', 'F') then located.sex end as sex,
        case when located.measure = 'arrears_value' then 'pounds' else 'count' end as value_unit
    from located
    left join properties on located.uprn = properties.uprn
    left join
        age_bands
        on cast(date_part('year', age(located.counted_on, located.birth_date)) as integer) = age_bands.age
)

select * from described
