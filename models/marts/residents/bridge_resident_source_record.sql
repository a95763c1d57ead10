{{ config(materialized='table', schema='marts') }}

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
