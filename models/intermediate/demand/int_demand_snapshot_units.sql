{{ config(materialized='table', schema='intermediate') }}

{#- The units of int_demand_snapshots (build_unit: a unit, or a unit in a dated snapshot's year),
    each with a digest of everything its rows are made from: its spells and the calendar of dates
    they are counted on. A nightly build rebuilds only the units whose digest changed
    (macros/incremental.sql). -#}

with

unit_spells as (
    select * from {{ ref('int_demand_unit_spells') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

calendar_digest as (
    select
        coalesce(sum(hash(
            calendar.year, calendar.month_number, calendar.month_end, calendar.january_census_on,
            calendar.march_census_on
        )), 0) as digest
    from calendar
),

spell_digests as (
    select
        build_unit,
        sum(hash(
            service, measure, census, unit_kind, unit_id, record_id, started_on, in_force_until, resident_id,
            person_source_system, person_record_id, address_source_table, address_record_id,
            need_kind, need, setting_kind, setting, amount
        )) as digest
    from unit_spells
    where build_unit is not null
    group by build_unit
)

select
    spell_digests.build_unit,
    hash(spell_digests.digest, calendar_digest.digest) as input_digest
from spell_digests
cross join calendar_digest
