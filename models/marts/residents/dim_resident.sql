{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    schema='marts',
    pre_hook="{{ forget_changed_units(ref('int_resident_units'), ['resident_id']) }}",
    post_hook="{{ remember_units(ref('int_resident_units'), ['resident_id']) }}",
) }}

{#- One row per resident, with the details most of their records agree on. Incremental by
    resident: a nightly build rebuilds the residents whose records, addresses or services changed
    (int_resident_units, macros/incremental.sql). -#}

with

resident_records as (
    select * from {{ source('linkage', 'resident_records') }}
    where {{ unit_is_to_build(['resident_id'], ['resident_records.resident_id']) }}
),

person_records as (
    select * from {{ ref('int_person_records') }}
),

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }} as addresses
    where {{ unit_is_to_build(['resident_id'], ['addresses.resident_id']) }}
),

episodes as (
    select * from {{ ref('fct_service_involvement') }} as involvement
    where {{ unit_is_to_build(['resident_id'], ['involvement.resident_id']) }}
),

records as (
    select
        resident_records.resident_id,
        person_records.*
    from resident_records
    inner join person_records on resident_records.person_record_key = person_records.person_record_key
),

-- The value most of the resident's records give (macros/people.sql: most_recorded).
best_forename as (
    {{ most_recorded('records', 'forename') }}
),

best_surname as (
    {{ most_recorded('records', 'surname') }}
),

best_birth_date as (
    {{ most_recorded('records', 'birth_date') }}
),

best_sex as (
    -- 'U' (not known) is no vote.
    {{ most_recorded('records', 'sex', ignored="'U'") }}
),

best_details as (
    select
        records.resident_id,
        count(*) as source_records,
        list(distinct records.source_system order by records.source_system) as known_to_systems,
        max(records.died_on) as died_on,
        max(records.nhs_number) is not null as has_nhs_number,
        max(records.ni_number) is not null as has_ni_number,
        max(records.upn) is not null as has_upn
    from records
    group by records.resident_id
),

current_address as (
    select
        resident_id,
        uprn as current_uprn,
        started_on as current_address_since
    from resident_addresses
    qualify row_number() over (
        partition by resident_id order by is_open desc, ended_on desc nulls first, started_on desc nulls last, uprn asc
    ) = 1
),

seen as (
    select
        resident_id,
        min(started_on) as first_seen_on,
        max(coalesce(ended_on, started_on)) as last_seen_on,
        list(distinct service order by service) as services
    from episodes
    group by resident_id
),

address_seen as (
    select
        resident_id,
        min(started_on) as first_seen_on,
        max(ended_on) as last_seen_on
    from resident_addresses
    group by resident_id
),

residents as (
    select
        best_details.resident_id,
        best_forename.forename,
        best_surname.surname,
        best_birth_date.birth_date,
        best_sex.sex,
        best_details.died_on,
        current_address.current_uprn,
        current_address.current_address_since,
        best_details.known_to_systems,
        coalesce(seen.services, []) as services,
        best_details.source_records,
        least(seen.first_seen_on, address_seen.first_seen_on) as first_seen_on,
        greatest(seen.last_seen_on, address_seen.last_seen_on) as last_seen_on,
        best_details.has_nhs_number,
        best_details.has_ni_number,
        best_details.has_upn
    from best_details
    left join best_forename using (resident_id)
    left join best_surname using (resident_id)
    left join best_birth_date using (resident_id)
    left join best_sex using (resident_id)
    left join current_address using (resident_id)
    left join seen using (resident_id)
    left join address_seen using (resident_id)
)

select * from residents
