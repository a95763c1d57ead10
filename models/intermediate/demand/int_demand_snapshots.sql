{{ config(
    materialized='incremental',
    incremental_strategy='append',
    schema='intermediate',
    pre_hook="{{ forget_changed_units(ref('int_demand_snapshot_units'), ['build_unit']) }}",
    post_hook="{{ remember_units(ref('int_demand_snapshot_units'), ['build_unit']) }}",
) }}

{#- Stock measures taken on a date: each spell in force on each month end and on its measure's
    census date (SEN2: the third Thursday of January; CIN, SSDA903, asc, H-CLIC: 31 March). In
    force means started on or before the date and not ended by it. Each unit (a resident for
    measures of people) is counted once per date, with its most recently started spell.
    Incremental by build_unit (a unit, or a unit in a dated snapshot's year): a nightly build
    rebuilds those whose spells changed (int_demand_snapshot_units, macros/incremental.sql). -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

unit_spells as (
    select * from {{ ref('int_demand_unit_spells') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

census_dates as (
    select
        year,
        'january' as census,
        january_census_on as snapshot_on
    from calendar
    where month_number = 1
    union all
    select
        year,
        'march' as census,
        march_census_on as snapshot_on
    from calendar
    where month_number = 1
),

resolved as (
    select * from unit_spells
    where {{ unit_is_to_build(['build_unit'], ['unit_spells.build_unit']) }}
),

overlapping as (
    -- Whether a spell starts before an earlier-starting spell of the same unit and measure has
    -- ended: of any two spells in force on the same date, the later-starting one does.
    select
        measure,
        unit_id,
        started_on < max(in_force_until) over (
            partition by measure, unit_id order by started_on rows between unbounded preceding and 1 preceding
        ) as overlaps_earlier
    from resolved
),

units_with_overlaps as (
    select distinct
        measure,
        unit_id
    from overlapping
    where overlaps_earlier
),

competing as (
    -- Only a unit with overlapping spells can be in force twice on a date. Few are, so only
    -- their dates are sorted to keep one spell each, not the millions of other units' dates.
    select
        resolved.*,
        units_with_overlaps.measure is not null as may_compete
    from resolved
    left join units_with_overlaps
        on
            resolved.measure = units_with_overlaps.measure
            and resolved.unit_id is not distinct from units_with_overlaps.unit_id
),

months as (
    -- Months numbered on from year 0, so that a spell's months in force are a range of numbers.
    select
        year,
        month_end,
        year * 12 + month_number - 1 as month_index
    from calendar
),

month_bounds as (
    -- No row for an empty calendar (the greatest and least below would skip a null bound).
    select
        min(month_index) as first_month_index,
        max(month_index) as last_month_index
    from months
    having count(*) > 0
),

in_force as not materialized (
    -- Each spell on each date it is in force. On a month end by listing the months it is in
    -- force as a range of month numbers (from the month it starts to the month before the one
    -- it stops in: a month's end falls before ends_after only in an earlier month) and matching
    -- them to the calendar, rather than comparing every spell with every date. Not
    -- materialized: it is read twice below, once for each kind of unit, and is millions of rows.
    select
        competing.*,
        census_dates.year,
        'census' as snapshot,
        census_dates.snapshot_on
    from competing
    inner join census_dates
        on
            competing.census = census_dates.census
            and competing.started_on <= census_dates.snapshot_on
            and competing.in_force_until > census_dates.snapshot_on
    union all
    select
        spell_months.* exclude (spell_months.month_index),
        months.year,
        'month_end' as snapshot,
        months.month_end as snapshot_on
    from (
        select
            competing.*,
            unnest(range(
                greatest(
                    year(competing.started_on) * 12 + month(competing.started_on) - 1,
                    month_bounds.first_month_index
                ),
                least(
                    year(competing.in_force_until) * 12 + month(competing.in_force_until) - 1,
                    month_bounds.last_month_index + 1
                )
            )) as month_index
        from competing
        cross join month_bounds
    ) as spell_months
    inner join months on spell_months.month_index = months.month_index
),

one_per_unit as (
    -- Each unit once per date, with its most recently started spell (only a unit with
    -- overlapping spells can have two).
    select * from in_force
    where not may_compete
    union all
    select * from in_force
    where may_compete
    qualify row_number() over (
        partition by measure, snapshot, snapshot_on, unit_id order by started_on desc, record_id desc
    ) = 1
)

select
    service,
    measure,
    snapshot,
    snapshot_on,
    year,
    unit_kind,
    unit_id,
    build_unit,
    record_id,
    resident_id,
    person_source_system,
    person_record_id,
    address_source_table,
    address_record_id,
    need_kind,
    need,
    setting_kind,
    setting,
    amount
from one_per_unit
