{{ config(materialized='view', schema='intermediate') }}

{#- Each spell with the unit it counts (a resident for measures of people, else the case, tenancy
    or account), the date it is in force until and what a nightly build rebuilds it with, for
    int_demand_snapshots and the units of the two incremental demand models. A view: storing 8
    million spells again (at 1,200,000 residents) took longer than the join it saves.

    build_unit: a unit's spells can compete for a date (one is counted), so they are rebuilt
    together; but a dated snapshot is in force on its own date only and competes only with
    snapshots of that date, so such a unit is rebuilt year by year. A new month's arrears
    snapshot then rebuilds at most its year's twelve months, not every month since the tenancy
    began. Not date by date: that would make 6.4 million units (at 1,200,000 residents) to digest
    and compare every night, against 0.86 million tenancy-years. -#}

with

spells as (
    select * from {{ ref('int_demand_spells') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

with_units as (
    select
        spells.*,
        bridge.resident_id,
        case
            when spells.unit_kind = 'resident'
                then coalesce(
                    cast(bridge.resident_id as varchar),
                    spells.person_source_system || ':' || spells.person_record_id
                )
            else spells.unit_ref
        end as unit_id,
        -- An open spell is in force on every date to come.
        coalesce(spells.ends_after, date '9999-12-31') as in_force_until
    from spells
    left join bridge
        on
            spells.person_source_system = bridge.source_system
            and spells.person_record_id = bridge.source_record_id
)

select
    with_units.service,
    with_units.measure,
    with_units.census,
    with_units.unit_kind,
    with_units.unit_ref,
    with_units.record_id,
    with_units.started_on,
    with_units.ends_after,
    with_units.person_source_system,
    with_units.person_record_id,
    with_units.address_source_table,
    with_units.address_record_id,
    with_units.need_kind,
    with_units.need,
    with_units.setting_kind,
    with_units.setting,
    with_units.amount,
    with_units.resident_id,
    with_units.unit_id,
    with_units.in_force_until,
    case
        when with_units.is_dated_snapshot then with_units.unit_id || '@' || cast(year(with_units.started_on) as varchar)
        else with_units.unit_id
    end as build_unit
from with_units
