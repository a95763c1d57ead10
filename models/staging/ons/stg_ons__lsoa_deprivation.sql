{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'lsoa_code': clean_code('lsoa_code')} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('ons', 'lsoa_deprivation'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['lsoa_code']) }}
),

typed as (
    select
        {{ key.lsoa_code }} as lsoa_code,
        {{ clean_code('ward_code') }} as ward_code,
        {{ parse_integer('imd_decile') }} as imd_decile,
        _extract_date as extract_date
    from latest
)

select * from typed
