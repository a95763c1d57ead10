with

source as (
    select * from {{ source('ons', 'lsoa_deprivation') }}
),

latest as (
    select * from source
    {{ latest_version(['lsoa_code']) }}
),

typed as (
    select
        {{ clean_code('lsoa_code') }} as lsoa_code,
        {{ clean_code('ward_code') }} as ward_code,
        {{ parse_integer('imd_decile') }} as imd_decile,
        _extract_date as extract_date
    from latest
)

select * from typed
