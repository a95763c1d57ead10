{{ config(materialized='table', schema='marts') }}

{#- Monthly demand per service and measure, borough-wide (breakdown 'all') and by ward, age band,
    sex and the service's own breakdowns, with the population it is a rate of (the mid-year
    estimate of the month's year). Flow measures count events in the month; stock measures count
    what was in force on the last day of the month. Measures reported only per financial year
    (council tax arrears) are not here. Every measure has a borough-wide value in every month. -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

events as (
    select * from {{ ref('fct_demand_events') }}
    where snapshot in ('event', 'month_end') and not is_annual_only
),

calendar as (
    select * from {{ ref('int_demand_calendar') }}
),

population as (
    select * from {{ ref('int_demand_population') }}
),

rate_bases as (
    select * from {{ ref('int_demand_rate_bases') }}
),

properties as (
    select * from {{ ref('dim_property') }}
),

measures as (
    select distinct
        service,
        measure,
        value_unit
    from events
),

long as (
    select
        service,
        measure,
        year,
        month_start,
        'all' as breakdown,
        'all' as category,
        amount
    from events
    union all
    select
        service,
        measure,
        year,
        month_start,
        'ward' as breakdown,
        coalesce(ward_code, 'Unknown') as category,
        amount
    from events
    union all
    select
        service,
        measure,
        year,
        month_start,
        'age_band' as breakdown,
        coalesce(age_band, 'Unknown') as category,
        amount
    from events
    union all
    select
        service,
        measure,
        year,
        month_start,
        'sex' as breakdown,
        coalesce(sex, 'Unknown') as category,
        amount
    from events
    union all
    select
        service,
        measure,
        year,
        month_start,
        need_kind as breakdown,
        coalesce(need, 'Not recorded') as category,
        amount
    from events
    where need_kind is not null
    union all
    select
        service,
        measure,
        year,
        month_start,
        setting_kind as breakdown,
        coalesce(setting, 'Not recorded') as category,
        amount
    from events
    where setting_kind is not null
),

counted as (
    select
        service,
        measure,
        year,
        month_start,
        breakdown,
        category,
        sum(amount) as value
    from long
    group by all
),

borough_spine as (
    -- Every measure has a borough-wide value in every month, zero when nothing happened.
    select
        measures.service,
        measures.measure,
        months.year,
        months.month_start,
        'all' as breakdown,
        'all' as category,
        0.0 as value
    from measures
    cross join calendar as months
),

completed as (
    select * from counted
    union all
    select * from borough_spine
    where not exists (
        select 1 from counted
        where
            counted.service = borough_spine.service and counted.measure = borough_spine.measure
            and counted.month_start = borough_spine.month_start and counted.breakdown = 'all'
    )
),

denominators as (
    select
        service,
        year,
        'all' as breakdown,
        'all' as category,
        sum(population) as population
    from population
    group by all
    union all
    select
        service,
        year,
        'ward' as breakdown,
        ward_code as category,
        sum(population) as population
    from population
    group by all
    union all
    select
        service,
        year,
        'sex' as breakdown,
        sex as category,
        sum(population) as population
    from population
    group by all
    union all
    select
        service,
        year,
        'age_band' as breakdown,
        age_band as category,
        sum(population) as population
    from population
    group by all
),

ward_names as (
    select distinct
        ward_code,
        ward_name
    from properties
    where ward_code is not null
),

rated as (
    select
        completed.service,
        completed.measure,
        completed.month_start,
        completed.breakdown,
        completed.category,
        measures.value_unit,
        rate_bases.rate_per,
        rate_bases.rate_basis,
        cast(completed.year as integer) as year,
        cast(completed.value as double) as value,
        case
            when completed.breakdown = 'ward' then coalesce(ward_names.ward_name, completed.category)
            else completed.category
        end as category_label,
        -- A service breakdown (need, setting) is a rate of the whole service population.
        case
            when measures.value_unit != 'count' then null
            when own_population.population is not null then own_population.population
            when completed.breakdown not in ('ward', 'sex', 'age_band') then borough_population.population
        end as population
    from completed
    inner join measures on completed.service = measures.service and completed.measure = measures.measure
    inner join rate_bases on completed.service = rate_bases.service
    left join denominators as own_population
        on
            completed.service = own_population.service and completed.year = own_population.year
            and completed.breakdown = own_population.breakdown and completed.category = own_population.category
    left join denominators as borough_population
        on
            completed.service = borough_population.service and completed.year = borough_population.year
            and borough_population.breakdown = 'all'
    left join ward_names on completed.breakdown = 'ward' and completed.category = ward_names.ward_code
),

final as (
    select
        service,
        measure,
        year,
        month_start,
        breakdown,
        category,
        category_label,
        value,
        value_unit,
        rate_per,
        rate_basis,
        cast(population as bigint) as population,
        case when population > 0 then value * rate_per / population end as rate
    from rated
)

select * from final
