{{ config(materialized='table', schema='marts') }}

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
