{{ config(materialized='view', schema='intermediate') }}

{#- The units of int_demand_snapshots (build_unit: a unit, or a unit in a dated snapshot's year),
    each with a digest of everything its rows are made from: its spells and the calendar of dates
    they are counted on. A nightly build rebuilds only the units whose digest changed
    (macros/incremental.sql). int_demand_event_units makes the digest in its pass over the
    spells. -#}

select
    build_unit,
    snapshot_digest as input_digest
from {{ ref('int_demand_event_units') }}
where snapshot_digest is not null
