{{ config(materialized='table', schema='marts') }}

{#- A household: residents living at one UPRN over overlapping periods. At each UPRN the periods
    are swept in start order; a period that starts after every earlier one has ended begins a new
    household, so a flat let to three tenants in turn holds three households. -#}

with

resident_addresses as (
    select * from {{ ref('int_resident_addresses') }}
),

resident_periods as (
    -- One period per resident and UPRN stay (records of one resident overlap: merge them).
    select
        resident_id,
        uprn,
        min(started_on) as started_on,
        max(ended_on) as ended_on,
        bool_or(is_open) as is_open
    from resident_addresses
    where started_on is not null
    group by resident_id, uprn
),

ordered as (
    select
        *,
        max(ended_on) over (
            partition by uprn order by started_on, resident_id rows between unbounded preceding and 1 preceding
        ) as latest_earlier_end
    from resident_periods
),

numbered as (
    select
        *,
        sum(case when latest_earlier_end is null or started_on > latest_earlier_end then 1 else 0 end) over (
            partition by uprn order by started_on, resident_id rows unbounded preceding
        ) as household_number
    from ordered
),

households as (
    select
        uprn || '-' || household_number as household_id,
        uprn,
        min(started_on) as formed_on,
        case when bool_or(is_open) then null else max(ended_on) end as ended_on,
        bool_or(is_open) as is_current,
        count(distinct resident_id) as residents,
        list(distinct resident_id order by resident_id) as resident_ids
    from numbered
    group by uprn, household_number
)

select * from households
