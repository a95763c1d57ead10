{{ config(materialized='table', schema='intermediate') }}

{#- The units of int_demand_snapshots, each with a digest of everything its rows are made from:
    its spells and the calendar of dates they are counted on. A nightly build rebuilds only the
    units whose digest changed (macros/incremental.sql). -#}

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
        unit_id,
        sum(hash(
            service, measure, census, unit_kind, record_id, started_on, in_force_until, resident_id,
            person_source_system, person_record_id, address_source_table, address_record_id,
            need_kind, need, setting_kind, setting, amount
        )) as digest
    from unit_spells
    where unit_id is not null
    group by unit_id
)

select
    spell_digests.unit_id,
    hash(spell_digests.digest, calendar_digest.digest) as input_digest
from spell_digests
cross join calendar_digest
