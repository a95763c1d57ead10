{{ config(materialized='table', schema='intermediate') }}

{#- The reporting calendar: every month of every year the population estimates cover, with the
    statutory census dates of its year. Years come from the estimates so that every count has a
    denominator. -#}

with

population as (
    select * from {{ ref('stg_ons__population_estimates') }}
),

years as (
    select distinct year from population
),

month_numbers as (
    select unnest(range(1, 13)) as month_number
),

months as (
    select
        years.year,
        month_numbers.month_number,
        make_date(years.year, month_numbers.month_number, 1) as month_start
    from years
    cross join month_numbers
),

dated as (
    select
        year,
        month_number,
        month_start,
        last_day(month_start) as month_end,
        -- SEN2 census: the third Thursday of January (isodow: Monday 1 ... Thursday 4).
        make_date(year, 1, 1)
        + cast((4 - isodow(make_date(year, 1, 1)) + 7) % 7 + 14 as integer) as january_census_on,
        -- CIN census, SSDA903 and ASC snapshots: 31 March.
        make_date(year, 3, 31) as march_census_on
    from months
)

select * from dated
