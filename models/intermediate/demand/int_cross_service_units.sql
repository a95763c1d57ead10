{{ config(materialized='table', schema='intermediate') }}

{#- The units of fct_cross_service_residents, each with a digest of everything its rows are made
    from, so a nightly build rebuilds only the units whose inputs changed (macros/incremental.sql).
    A resident's rows come from its service involvement; a household's from the household and each
    member's involvement and addresses; both from the calendar's years. -#}

with

involvement as (
    select * from {{ ref('fct_service_involvement') }}
),

households as (
    select * from {{ ref('dim_household') }}
),

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

calendar_digest as (
    select coalesce(sum(hash(calendar.year)), 0) as digest from calendar
),

involvement_digests as (
    select
        resident_id,
        sum(hash(service, started_on, ended_on)) as digest
    from involvement
    where resident_id is not null
    group by resident_id
),

address_digests as (
    select
        resident_id,
        sum(hash(uprn, started_on, ended_on)) as digest
    from resident_addresses
    group by resident_id
),

members as (
    select
        households.household_id,
        member.resident_id
    from households
    cross join unnest(households.resident_ids) as member (resident_id)
),

member_digests as (
    select
        members.household_id,
        sum(hash(members.resident_id, involvement_digests.digest, address_digests.digest)) as digest
    from members
    left join involvement_digests on members.resident_id = involvement_digests.resident_id
    left join address_digests on members.resident_id = address_digests.resident_id
    group by members.household_id
)

select
    'resident' as unit,
    cast(involvement_digests.resident_id as varchar) as unit_id,
    hash(involvement_digests.digest, calendar_digest.digest) as input_digest
from involvement_digests
cross join calendar_digest
union all
select
    'household' as unit,
    households.household_id as unit_id,
    hash(households.uprn, households.formed_on, households.ended_on, member_digests.digest, calendar_digest.digest)
        as input_digest
from households
left join member_digests on households.household_id = member_digests.household_id
cross join calendar_digest
