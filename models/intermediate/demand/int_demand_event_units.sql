{{ config(materialized='table', schema='intermediate') }}

{#- The units of fct_demand_events (build_unit: the event's record, or the build_unit of a stock,
    int_demand_unit_spells), each with a digest of every column its rows are made from: its events
    or spells, the resident each is linked to (birth date, sex, addresses and their wards), the
    address the record names and its ward, and the calendar and the age bands. A stock's unit has
    a second digest, of its spells and the calendar alone: int_demand_snapshots' rows are made
    from those (int_demand_snapshot_units). A nightly build rebuilds only the units whose digest
    changed (macros/incremental.sql). Both digests in one pass over the 8 million spells (at
    1,200,000 residents): a second pass took 6 s each night. -#}

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

calendar_digest as (
    select
        coalesce(sum(hash(
            calendar.year, calendar.month_number, calendar.month_end, calendar.january_census_on,
            calendar.march_census_on
        )), 0) as digest
    from calendar
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
        ) as digest,
        cast(null as ubigint) as spell_digest
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
        ) as digest,
        cast(null as ubigint) as spell_digest
    from referrals
    left join resident_digests on referrals.resident_id = resident_digests.resident_id
    union all
    select
        cp_plans.cp_plan_id as build_unit,
        hash(
            cp_plans.resident_id, cp_plans.started_on, cp_plans.ended_on, cp_plans.initial_category_code,
            cp_plans.latest_category_code, cp_plans.is_repeat_plan, cp_plans.lasted_two_years_or_more,
            resident_digests.digest
        ) as digest,
        cast(null as ubigint) as spell_digest
    from cp_plans
    left join resident_digests on cp_plans.resident_id = resident_digests.resident_id
),

spell_rows as (
    -- A spell's own columns (spell_digest), then what a stock row adds to them (digest).
    select
        unit_spells.build_unit,
        hash(resident_digests.digest, address_uprns.uprn, properties.ward_code) as digest,
        hash(
            unit_spells.service, unit_spells.measure, unit_spells.census, unit_spells.unit_kind, unit_spells.unit_id,
            unit_spells.record_id, unit_spells.started_on, unit_spells.in_force_until, unit_spells.resident_id,
            unit_spells.person_source_system, unit_spells.person_record_id, unit_spells.address_source_table,
            unit_spells.address_record_id, unit_spells.need_kind, unit_spells.need, unit_spells.setting_kind,
            unit_spells.setting, unit_spells.amount
        ) as spell_digest
    from unit_spells
    left join resident_digests on unit_spells.resident_id = resident_digests.resident_id
    left join address_uprns
        on
            address_uprns.source_system = {{ demand_address_system('unit_spells.service') }}
            and unit_spells.address_source_table = address_uprns.source_table
            and unit_spells.address_record_id = address_uprns.source_record_id
    left join properties on address_uprns.uprn = properties.uprn
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
        sum(digest) as digest,
        sum(spell_digest) as spell_digest
    from input_rows
    where build_unit is not null
    group by build_unit
),

with_snapshot_digests as (
    select
        unit_digests.build_unit,
        unit_digests.digest,
        case
            when unit_digests.spell_digest is not null
                then hash(unit_digests.spell_digest, calendar_digest.digest)
        end as snapshot_digest
    from unit_digests
    cross join calendar_digest
)

select
    with_snapshot_digests.build_unit,
    hash(with_snapshot_digests.digest, with_snapshot_digests.snapshot_digest, shared_digest.digest) as input_digest,
    with_snapshot_digests.snapshot_digest
from with_snapshot_digests
cross join shared_digest
