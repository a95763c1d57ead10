{{ config(materialized='table', schema='marts') }}

{#- Residents and households known to 1, 2, 3 and 4 or more services each year, and the share of
    all those known to any service. -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

known as (
    select * from {{ ref('fct_cross_service_residents') }}
),

grouped as (
    select
        year,
        unit,
        case when services_known_to >= 4 then '4+' else cast(services_known_to as varchar) end as services_known_to,
        count(*) as value
    from known
    group by all
),

shared as (
    select
        *,
        value / sum(value) over (partition by year, unit) as share
    from grouped
)

select
    cast(year as integer) as year,
    cast(unit as varchar) as unit,
    cast(services_known_to as varchar) as services_known_to,
    cast(value as bigint) as value,
    cast(share as double) as share
from shared
