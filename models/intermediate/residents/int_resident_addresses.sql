{{ config(materialized='table', schema='intermediate') }}

{#- Where each resident lived and when, on gazetteer UPRNs: the periods every person record of the
    resident spent at an address that matched. Households and the current address read this. -#}

with

person_addresses as (
    select * from {{ ref('int_person_addresses') }}
),

address_matches as (
    select * from {{ source('linkage', 'address_matches') }}
),

resident_records as (
    select * from {{ source('linkage', 'resident_records') }}
),

person_records as (
    select * from {{ ref('int_person_records') }}
),

periods as (
    select
        resident_records.resident_id,
        address_matches.uprn,
        person_addresses.source_system,
        person_addresses.started_on,
        -- An open period runs to the extract that last reported it.
        coalesce(person_addresses.ended_on, person_records.extract_date) as ended_on,
        person_addresses.ended_on is null as is_open
    from person_addresses
    inner join address_matches on person_addresses.address_record_key = address_matches.address_record_key
    inner join resident_records on person_addresses.person_record_key = resident_records.person_record_key
    inner join person_records on person_addresses.person_record_key = person_records.person_record_key
    where address_matches.uprn is not null
)

select * from periods
