{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {
    'year': parse_integer('year'),
    'ward_code': clean_code('ward_code'),
    'sex_code': clean_code('sex'),
    'age': parse_integer('age'),
} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('ons', 'population_estimates'), key) }}
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
        {{ key.year }} as year,
        {{ key.ward_code }} as ward_code,
        {{ key.sex_code }} as sex_code,
        -- 90 stands for 90 and over.
        {{ key.age }} as age,
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
