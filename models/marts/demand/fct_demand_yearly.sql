{{ config(materialized='table', schema='marts') }}

{#- Yearly demand per service and measure, borough-wide (breakdown 'all') and by ward, age band,
    sex and the service's own breakdowns, with the population it is a rate of. Flow measures
    count events in the calendar year; stock measures count what was in force on the census
    date. Within one breakdown the categories add up to the borough-wide value. The sums are
    int_demand_yearly_counts'; the steps are the macros in macros/demand.sql, shared with
    fct_demand_monthly. -#}

{#- One row per service, measure, year, breakdown and category. -#}
{%- set grain = ['year'] %}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

counts as (
    select * from {{ ref('int_demand_yearly_counts') }}
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

years as (
    select distinct year from calendar
),

measures as (
    select distinct
        service,
        measure,
        value_unit
    from counts
    where breakdown = 'all'
),

counted as (
    -- Every event borough-wide, by ward, age band and sex, and by the service's own breakdowns.
    select service, measure, {{ grain | join(', ') }}, breakdown, category, value
    from counts
),

completed as (
    -- Every measure has a borough-wide value in every year, zero when nothing happened.
    {{ demand_with_borough_zeros('counted', 'measures', 'years', grain) }}
),

denominators as (
    -- Each service's population per year, borough-wide and by ward, age band and sex.
    {{ demand_denominators(ref('int_demand_population')) }}
),

final as (
    -- Each value with its unit, category label (a ward's name), rate basis, population and rate.
    {{ demand_rated('completed', 'measures', 'denominators', grain) }}
)

select * from final
