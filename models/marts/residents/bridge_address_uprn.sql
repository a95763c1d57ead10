{{ config(materialized='view', schema='marts') }}

{#- A view: linkage.address_matches holds these rows already, and copying 2.1 million rows into a
    table cost every nightly build 2.9 s of thread time (at 1,200,000 residents). Not null is
    a data test here, as a view cannot enforce constraints. -#}

with

matches as (
    select * from {{ source('linkage', 'address_matches') }}
),

bridged as (
    select
        source_system,
        source_table,
        source_record_id,
        uprn,
        resolved_to,
        method,
        cast(score as double) as score,
        detail
    from matches
)

select * from bridged
