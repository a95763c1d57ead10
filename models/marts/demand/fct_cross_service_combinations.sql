{{ config(materialized='table', schema='marts') }}

{#- The combinations of services residents and households are known to, each year, most common
    first (rank 1), for those known to two or more services. -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

known as (
    select * from {{ ref('fct_cross_service_residents') }}
    where services_known_to >= 2
),

grouped as (
    select
        year,
        unit,
        combination,
        services_known_to,
        count(*) as value
    from known
    group by all
),

ranked as (
    select
        *,
        row_number() over (partition by year, unit order by value desc, combination asc) as rank_in_year
    from grouped
)

select
    cast(year as integer) as year,
    cast(unit as varchar) as unit,
    cast(combination as varchar) as combination,
    cast(services_known_to as integer) as services_known_to,
    cast(value as bigint) as value,
    cast(rank_in_year as integer) as rank_in_year
from ranked
