{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    schema='marts',
    pre_hook="{{ forget_changed_units(ref('int_cross_service_units'), ['unit', 'unit_id']) }}",
    post_hook="{{ remember_units(ref('int_cross_service_units'), ['unit', 'unit_id']) }}",
) }}

{#- Each year, each resident and each household known to at least one service that year, with
    how many services and which: housing (tenancy, homelessness, temporary accommodation),
    council tax, adult social care, children's social care, SEND. A household (dim_household) is
    known to a service when a member living there that year was. Pseudonymous: ids, no names.
    Incremental by unit: a nightly build rebuilds the residents and households whose inputs
    changed (int_cross_service_units, macros/incremental.sql). -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

involvement as (
    select * from {{ ref('fct_service_involvement') }}
),

households as (
    select * from {{ ref('dim_household') }}
),

households_to_build as (
    select *
    from households
    where {{ unit_is_to_build(['unit', 'unit_id'], ["'household'", 'households.household_id']) }}
),

residents_to_build as (
    select distinct involvement.resident_id
    from involvement
    where {{ unit_is_to_build(['unit', 'unit_id'], ["'resident'", 'cast(involvement.resident_id as varchar)']) }}
),

residents_needed as (
    -- Residents built, and the members of households built.
    select resident_id from residents_to_build
    union
    select member.resident_id
    from households_to_build
    cross join unnest(households_to_build.resident_ids) as member (resident_id)
),

involvement_needed as (
    select involvement.*
    from involvement
    where involvement.resident_id in (select residents_needed.resident_id from residents_needed)
),

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

years as (
    select distinct
        year,
        make_date(year, 1, 1) as year_start,
        make_date(year, 12, 31) as year_end
    from calendar
),

service_areas as (
    select
        resident_id,
        started_on,
        ended_on,
        case
            when service in ('council_tenancy', 'homelessness', 'temporary_accommodation') then 'housing'
            when service = 'council_tax' then 'council_tax'
            when service = 'adult_social_care' then 'adult_social_care'
            when service in ('children_in_need', 'child_protection', 'looked_after') then 'childrens_social_care'
            when service in ('send_request', 'ehc_plan') then 'send'
        end as service_area
    from involvement_needed
),

resident_years as (
    select distinct
        years.year,
        service_areas.resident_id,
        service_areas.service_area
    from service_areas
    inner join years
        on
            service_areas.started_on <= years.year_end
            and (service_areas.ended_on is null or service_areas.ended_on >= years.year_start)
    where service_areas.service_area is not null
),

household_members as (
    -- Who lived in each household during each year.
    select distinct
        years.year,
        households.household_id,
        member.resident_id
    from households_to_build as households
    cross join unnest(households.resident_ids) as member (resident_id)
    inner join years
        on
            households.formed_on <= years.year_end
            and (households.ended_on is null or households.ended_on >= years.year_start)
    inner join resident_addresses
        on
            member.resident_id = resident_addresses.resident_id and households.uprn = resident_addresses.uprn
            and years.year_end >= resident_addresses.started_on and years.year_start <= resident_addresses.ended_on
),

household_years as (
    select distinct
        household_members.year,
        household_members.household_id,
        resident_years.service_area
    from household_members
    inner join resident_years
        on household_members.year = resident_years.year and household_members.resident_id = resident_years.resident_id
),

resident_years_built as (
    select resident_years.*
    from resident_years
    where resident_years.resident_id in (select residents_to_build.resident_id from residents_to_build)
),

combined as (
    -- The areas sorted in a list, not by string_agg(... order by ...): an ordered aggregate sorts
    -- each of millions of small groups on its own, which took most of this model's time.
    select
        year,
        'resident' as unit,
        cast(resident_id as varchar) as unit_id,
        count(*) as services_known_to,
        array_to_string(list_sort(list(service_area)), ' + ') as combination
    from resident_years_built
    group by year, resident_id
    union all
    select
        year,
        'household' as unit,
        household_id as unit_id,
        count(*) as services_known_to,
        array_to_string(list_sort(list(service_area)), ' + ') as combination
    from household_years
    group by year, household_id
)

select
    cast(year as integer) as year,
    cast(unit as varchar) as unit,
    cast(unit_id as varchar) as unit_id,
    cast(services_known_to as integer) as services_known_to,
    cast(combination as varchar) as combination
from combined
