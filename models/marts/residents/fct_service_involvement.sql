{{ config(materialized='table', schema='marts') }}

with

episodes as (
    select * from {{ ref('int_service_episodes') }}
),

resident_records as (
    select * from {{ source('linkage', 'resident_records') }}
),

involvement as (
    select
        resident_records.resident_id,
        episodes.service,
        episodes.source_system,
        episodes.person_record_id as source_record_id,
        episodes.detail,
        episodes.started_on,
        episodes.ended_on,
        episodes.ended_on is null as is_open
    from episodes
    inner join resident_records on episodes.person_record_key = resident_records.person_record_key
)

select * from involvement
