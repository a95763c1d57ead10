{{ config(materialized='view', schema='marts') }}

{#- A view: linkage.resident_records holds these rows already, and copying 2.8 million rows into a
    table cost every nightly build 2.4 s of thread time (at 1,200,000 residents). Not null is
    a data test here, as a view cannot enforce constraints. -#}

with

resident_records as (
    select * from {{ source('linkage', 'resident_records') }}
),

bridged as (
    select
        source_system,
        source_table,
        source_record_id,
        resident_id,
        cast(strongest_link_weight as double) as match_weight
    from resident_records
)

select * from bridged
