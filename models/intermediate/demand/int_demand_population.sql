{{ config(materialized='table', schema='intermediate') }}

{#- Each service's denominator population by year, ward, sex and age band: the mid-year
    estimates of the ages the service's rates are per (int_demand_rate_bases). -#}

with

population as (
    select * from {{ ref('stg_ons__population_estimates') }}
),

age_bands as (
    select * from {{ ref('int_demand_age_bands') }}
),

rate_bases as (
    select * from {{ ref('int_demand_rate_bases') }}
),

denominators as (
    select
        rate_bases.service,
        population.year,
        population.ward_code,
        population.sex,
        age_bands.age_band,
        sum(population.population) as population
    from population
    inner join age_bands on population.age = age_bands.age
    inner join rate_bases on population.age between rate_bases.min_age and rate_bases.max_age
    group by all
)

select * from denominators
