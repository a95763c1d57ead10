with

source as (
    select * from {{ source('ons', 'population_estimates') }}
),

latest as (
    select * from source
    {{ latest_version(['year', 'ward_code', 'sex', 'age']) }}
),

sex_codes as (
    select * from {{ ref('sex_codes') }}
),

typed as (
    select
        {{ parse_integer('year') }} as year,
        {{ clean_code('ward_code') }} as ward_code,
        {{ clean_code('sex') }} as sex_code,
        -- 90 stands for 90 and over.
        {{ parse_integer('age') }} as age,
        {{ parse_integer('population') }} as population,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        typed.*,
        sex_codes.sex
    from typed
    left join sex_codes on typed.sex_code = sex_codes.code
)

select * from coded
