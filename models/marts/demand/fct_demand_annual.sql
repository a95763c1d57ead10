{{ config(materialized='table', schema='marts') }}

{#- Borough-wide yearly demand, one value per service, measure and year, with the service and
    measure names of the generator's truth/demand_annual.csv so the two compare directly; plus
    the shares scrutiny asks for (plans issued within 20 weeks, re-referrals, assessments on
    time, repeat child protection plans), as fractions from 0 to 1. -#}

-- (the marts' column names: value and year as in truth/demand_annual.csv)
with

yearly as (
    select * from {{ ref('fct_demand_yearly') }}
    where breakdown = 'all'
),

ratios as (
    -- Each share: which measure over which.
    select
        'send' as service,
        'share_new_ehc_plans_within_20_weeks' as measure,
        'new_ehc_plans_within_20_weeks' as numerator,
        'new_ehc_plans' as denominator
    union all
    select
        'childrens_social_care' as service,
        'share_referrals_re_referrals' as measure,
        're_referrals_within_12_months' as numerator,
        'referrals' as denominator
    union all
    select
        'childrens_social_care' as service,
        'share_assessments_within_45_working_days' as measure,
        'assessments_completed_within_45_working_days' as numerator,
        'assessments_completed' as denominator
    union all
    select
        'childrens_social_care' as service,
        'share_cp_plans_repeat' as measure,
        'repeat_cp_plans_started' as numerator,
        'cp_plans_started' as denominator
    union all
    select
        'childrens_social_care' as service,
        'share_cp_plans_ended_lasting_2_years_or_more' as measure,
        'cp_plans_ended_lasting_2_years_or_more' as numerator,
        'cp_plans_ended' as denominator
),

shares as (
    select
        ratios.service,
        ratios.measure,
        numerators.year,
        case when denominators.value > 0 then numerators.value / denominators.value end as value
    from ratios
    inner join yearly as numerators
        on ratios.service = numerators.service and ratios.numerator = numerators.measure
    inner join yearly as denominators
        on
            ratios.service = denominators.service and ratios.denominator = denominators.measure
            and numerators.year = denominators.year
),

annual as (
    select
        service,
        measure,
        year,
        value
    from yearly
    union all
    select
        service,
        measure,
        year,
        value
    from shares
    where value is not null
)

select
    cast(service as varchar) as service,
    cast(measure as varchar) as measure,
    cast(year as integer) as year,
    cast(value as double) as value
from annual
