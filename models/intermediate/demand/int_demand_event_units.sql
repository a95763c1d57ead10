{{ config(materialized='table', schema='intermediate') }}

{#- The units of fct_demand_events (build_unit: the event's record, or the build_unit of a stock,
    int_demand_unit_spells), each with a digest of every column its rows are made from: its events
    or spells, the resident each is linked to (birth date, sex, addresses and their wards), the
    address the record names and its ward, and the calendar's years and the age bands. A nightly
    build rebuilds only the units whose digest changed (macros/incremental.sql). -#}

with

flow_events as (
    select * from {{ ref('int_demand_flow_events') }}
),

referrals as (
    select * from {{ ref('int_demand_csc_referrals') }}
),

cp_plans as (
    select * from {{ ref('int_demand_cp_plans') }}
),

unit_spells as (
    select * from {{ ref('int_demand_unit_spells') }}
),

snapshot_units as (
    select * from {{ ref('int_demand_snapshot_units') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

age_bands as (
    select * from {{ ref('int_demand_age_bands') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

address_uprns as (
    select * from {{ ref('bridge_address_uprn') }}
    where uprn is not null
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

shared_digest as (
    select hash(
        (select coalesce(sum(hash(years.year)), 0) from (select distinct calendar.year from calendar) as years),
        (select coalesce(sum(hash(age_bands.age, age_bands.age_band)), 0) from age_bands)
    ) as digest
),

address_digests as (
    select
        resident_addresses.resident_id,
        sum(hash(
            resident_addresses.uprn, resident_addresses.started_on, resident_addresses.ended_on, properties.ward_code
        )) as digest
    from resident_addresses
    left join properties on resident_addresses.uprn = properties.uprn
    group by resident_addresses.resident_id
),

resident_digests as (
    select
        coalesce(residents.resident_id, address_digests.resident_id) as resident_id,
        hash(
            residents.birth_date, residents.sex, residents.current_uprn, properties.ward_code, address_digests.digest
        ) as digest
    from residents
    full outer join address_digests on residents.resident_id = address_digests.resident_id
    left join properties on residents.current_uprn = properties.uprn
),

flow_rows as (
    select
        flow_events.record_id as build_unit,
        hash(
            flow_events.service, flow_events.measure, flow_events.event_on, flow_events.person_source_system,
            flow_events.person_record_id, flow_events.address_source_table, flow_events.address_record_id,
            flow_events.need_kind, flow_events.need, flow_events.setting_kind, flow_events.setting,
            flow_events.amount, flow_events.is_annual_only,
            resident_digests.digest, address_uprns.uprn, properties.ward_code
        ) as digest
    from flow_events
    left join bridge
        on
            flow_events.person_source_system = bridge.source_system
            and flow_events.person_record_id = bridge.source_record_id
    left join resident_digests on bridge.resident_id = resident_digests.resident_id
    left join address_uprns
        on
            address_uprns.source_system = {{ demand_address_system('flow_events.service') }}
            and flow_events.address_source_table = address_uprns.source_table
            and flow_events.address_record_id = address_uprns.source_record_id
    left join properties on address_uprns.uprn = properties.uprn
),

linked_rows as (
    select
        referrals.referral_id as build_unit,
        hash(
            referrals.resident_id, referrals.referred_on, referrals.primary_need_code,
            referrals.referral_source_cin_code, referrals.is_re_referral, resident_digests.digest
        ) as digest
    from referrals
    left join resident_digests on referrals.resident_id = resident_digests.resident_id
    union all
    select
        cp_plans.cp_plan_id as build_unit,
        hash(
            cp_plans.resident_id, cp_plans.started_on, cp_plans.ended_on, cp_plans.initial_category_code,
            cp_plans.latest_category_code, cp_plans.is_repeat_plan, cp_plans.lasted_two_years_or_more,
            resident_digests.digest
        ) as digest
    from cp_plans
    left join resident_digests on cp_plans.resident_id = resident_digests.resident_id
),

spell_rows as (
    -- What a stock row adds to its spell (int_demand_snapshot_units digests the spells).
    select
        unit_spells.build_unit,
        hash(resident_digests.digest, address_uprns.uprn, properties.ward_code) as digest
    from unit_spells
    left join resident_digests on unit_spells.resident_id = resident_digests.resident_id
    left join address_uprns
        on
            address_uprns.source_system = {{ demand_address_system('unit_spells.service') }}
            and unit_spells.address_source_table = address_uprns.source_table
            and unit_spells.address_record_id = address_uprns.source_record_id
    left join properties on address_uprns.uprn = properties.uprn
    union all
    select
        build_unit,
        input_digest as digest
    from snapshot_units
),

input_rows as (
    select * from flow_rows
    union all
    select * from linked_rows
    union all
    select * from spell_rows
),

unit_digests as (
    select
        build_unit,
        sum(digest) as digest
    from input_rows
    where build_unit is not null
    group by build_unit
)

select
    unit_digests.build_unit,
    hash(unit_digests.digest, shared_digest.digest) as input_digest
from unit_digests
cross join shared_digest
