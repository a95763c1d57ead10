{{ config(materialized='table', schema='intermediate') }}

{#- Stock measures taken on a date: each spell in force on each month end and on its measure's
    census date (SEN2: the third Thursday of January; CIN, SSDA903, asc, H-CLIC: 31 March). In
    force means started on or before the date and not ended by it. Each unit (a resident for
    measures of people) is counted once per date, with its most recently started spell. -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

spells as (
    select * from {{ ref('int_demand_spells') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

snapshot_dates as (
    select
        year,
        'january' as census,
        january_census_on as snapshot_on,
        'census' as snapshot
    from calendar
    where month_number = 1
    union all
    select
        year,
        'march' as census,
        march_census_on as snapshot_on,
        'census' as snapshot
    from calendar
    where month_number = 1
    union all
    select
        year,
        null as census,
        month_end as snapshot_on,
        'month_end' as snapshot
    from calendar
),

in_force as (
    select
        spells.*,
        snapshot_dates.year,
        snapshot_dates.snapshot,
        snapshot_dates.snapshot_on
    from spells
    inner join snapshot_dates
        on
            (snapshot_dates.census is null or spells.census = snapshot_dates.census)
            and spells.started_on <= snapshot_dates.snapshot_on
            and (spells.ends_after is null or spells.ends_after > snapshot_dates.snapshot_on)
),

resolved as (
    select
        in_force.*,
        bridge.resident_id,
        case
            when in_force.unit_kind = 'resident'
                then coalesce(
                    cast(bridge.resident_id as varchar),
                    in_force.person_source_system || ':' || in_force.person_record_id
                )
            else in_force.unit_ref
        end as unit_id
    from in_force
    left join bridge
        on
            in_force.person_source_system = bridge.source_system
            and in_force.person_record_id = bridge.source_record_id
),

one_per_unit as (
    select * from resolved
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
