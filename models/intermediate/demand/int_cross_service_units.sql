{{ config(materialized='table', schema='intermediate') }}

{#- The units of fct_cross_service_residents, each with a digest of everything its rows are made
    from, so a nightly build rebuilds only the units whose inputs changed (macros/incremental.sql).
    A resident's rows come from its service involvement; a household's from the household and each
    member's involvement and addresses (their digests from int_resident_units); both from the
    calendar's years. -#}

with

resident_units as (
    select * from {{ ref('int_resident_units') }}
),

households as (
    select * from {{ ref('dim_household') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

calendar_digest as (
    select coalesce(sum(hash(calendar.year)), 0) as digest from calendar
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
        sum(hash(members.resident_id, resident_units.involvement_digest, resident_units.address_digest)) as digest
    from members
    left join resident_units on members.resident_id = resident_units.resident_id
    group by members.household_id
)

select
    'resident' as unit,
    cast(resident_units.resident_id as varchar) as unit_id,
    hash(resident_units.involvement_digest, calendar_digest.digest) as input_digest
from resident_units
cross join calendar_digest
-- A resident with no service involvement has no rows.
where resident_units.involvement_digest is not null
union all
select
    'household' as unit,
    households.household_id as unit_id,
    hash(households.uprn, households.formed_on, households.ended_on, member_digests.digest, calendar_digest.digest)
        as input_digest
from households
left join member_digests on households.household_id = member_digests.household_id
cross join calendar_digest
