{{ config(materialized='table', schema='intermediate') }}

{#- The units of dim_resident (its residents), each with a digest of every column its row is made
    from: the resident's person records, addresses and service involvement. A nightly build
    rebuilds only the residents whose digest changed (macros/incremental.sql). The digests of the
    addresses and of the involvement are kept apart too, for int_cross_service_units. -#}

with

resident_records as (
    select * from {{ source('linkage', 'resident_records') }}
),

person_records as (
    select * from {{ ref('int_person_records') }}
),

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }}
),

episodes as (
    select * from {{ ref('fct_service_involvement') }}
),

record_digests as (
    select
        resident_records.resident_id,
        sum(hash(
            person_records.person_record_key, person_records.source_system, person_records.extract_date,
            person_records.forename, person_records.surname, person_records.birth_date, person_records.sex,
            person_records.died_on, person_records.nhs_number, person_records.ni_number, person_records.upn
        )) as digest
    from resident_records
    inner join person_records on resident_records.person_record_key = person_records.person_record_key
    group by resident_records.resident_id
),

address_digests as (
    select
        resident_id,
        sum(hash(uprn, started_on, ended_on, is_open)) as digest
    from resident_addresses
    group by resident_id
),

episode_digests as (
    select
        resident_id,
        sum(hash(service, started_on, ended_on)) as digest
    from episodes
    where resident_id is not null
    group by resident_id
)

select
    record_digests.resident_id,
    hash(record_digests.digest, address_digests.digest, episode_digests.digest) as input_digest,
    address_digests.digest as address_digest,
    episode_digests.digest as involvement_digest
from record_digests
left join address_digests on record_digests.resident_id = address_digests.resident_id
left join episode_digests on record_digests.resident_id = episode_digests.resident_id
