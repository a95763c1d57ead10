{{ config(materialized='view', schema='intermediate') }}

{#- Each spell with the unit it counts (a resident for measures of people, else the case, tenancy
    or account) and the date it is in force until, for int_demand_snapshots and the units of the
    two incremental demand models. A view: storing 8 million spells again (at 1,200,000 residents)
    took longer than the join it saves. -#}

with

spells as (
    select * from {{ ref('int_demand_spells') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
)

select
    spells.service,
    spells.measure,
    spells.census,
    spells.unit_kind,
    spells.unit_ref,
    spells.record_id,
    spells.started_on,
    spells.ends_after,
    spells.person_source_system,
    spells.person_record_id,
    spells.address_source_table,
    spells.address_record_id,
    spells.need_kind,
    spells.need,
    spells.setting_kind,
    spells.setting,
    spells.amount,
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
