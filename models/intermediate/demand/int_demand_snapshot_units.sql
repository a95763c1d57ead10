{{ config(materialized='table', schema='intermediate') }}

{#- The units of int_demand_snapshots: each unit counted and each calendar year, with a digest of
    everything its rows of that year are made from: the unit's spells that may be in force on a
    date of the year and the year's dates in the calendar. A nightly build rebuilds only the units
    whose digest changed (macros/incremental.sql): a tenancy's new month-end arrears rebuild its
    rows of that year, not of every year it has been in arrears. -#}

with

unit_spells as (
    select * from {{ ref('int_demand_unit_spells') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

year_digests as (
    select
        year,
        sum(hash(month_number, month_end, january_census_on, march_census_on)) as digest
    from calendar
    group by year
),

spell_digests as (
    -- A spell is in force on a date of the years from the one it starts in to the one it stops
    -- in (ends_after is the first day not in force, so that year may hold none of its dates).
    select
        unit_spells.unit_id,
        year_digests.year,
        sum(hash(
            unit_spells.service, unit_spells.measure, unit_spells.census, unit_spells.unit_kind,
            unit_spells.record_id, unit_spells.started_on, unit_spells.in_force_until, unit_spells.resident_id,
            unit_spells.person_source_system, unit_spells.person_record_id, unit_spells.address_source_table,
            unit_spells.address_record_id, unit_spells.need_kind, unit_spells.need, unit_spells.setting_kind,
            unit_spells.setting, unit_spells.amount
        )) as digest
    from unit_spells
    inner join year_digests
        on year_digests.year between year(unit_spells.started_on) and year(unit_spells.in_force_until)
    where unit_spells.unit_id is not null
    group by unit_spells.unit_id, year_digests.year
)

select
    spell_digests.unit_id,
    spell_digests.year,
    hash(spell_digests.digest, year_digests.digest) as input_digest
from spell_digests
inner join year_digests on spell_digests.year = year_digests.year
