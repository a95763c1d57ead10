{{ config(materialized='table', schema='intermediate') }}

{#- The age bands demand is reported in, one row per single year of age, so that counts and the
    population estimates (single years, 90 = 90 and over) are banded by the same rule. -#}

with

ages as (
    select unnest(range(0, 121)) as age
),

banded as (
    select
        age,
        case
            when age <= 4 then '0-4'
            when age <= 10 then '5-10'
            when age <= 15 then '11-15'
            when age <= 17 then '16-17'
            when age <= 25 then '18-25'
            when age <= 64 then '26-64'
            when age <= 74 then '65-74'
            when age <= 84 then '75-84'
            else '85+'
        end as age_band
    from ages
)

select * from banded
