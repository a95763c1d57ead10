{#- xlsx date cells are loaded as 'YYYY-MM-DD' text. -#}
{% set date_format = '%Y-%m-%d' %}

with

source as (
    select * from {{ source('send', 'persons') }}
),

latest as (
    select * from source
    {{ latest_version(['person_id']) }}
),

sex_codes as (
    select * from {{ ref('sex_codes') }}
),

ethnicity_codes as (
    select * from {{ ref('ethnicity_codes') }}
),

identified as (
    select
        *,
        {{ upn_candidate('upn') }} as upn_candidate
    from latest
),

cleaned as (
    select
        'send' as source_system,
        trim(person_id) as source_record_id,
        trim(person_id) as person_id,
        {{ clean_text('forename') }} as forename,
        {{ clean_text('surname') }} as surname,
        {{ standardise_name('forename') }} as forename_std,
        {{ standardise_name('surname') }} as surname_std,
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('sex') }} as sex_code,
        cast(null as varchar) as nhs_number,
        cast(null as varchar) as ni_number,
        {{ upn_clean('upn_candidate') }} as upn,
        {{ upn_is_valid('upn_candidate') }} as upn_is_valid,
        {{ clean_code('ethnicity') }} as ethnicity_code,
        -- SEND holds no UPRN.
        cast(null as bigint) as uprn_supplied,
        {{ clean_text('address') }} as address_text,
        {{ standardise_address(clean_text('address')) }} as address_std,
        {{ normalise_postcode('postcode') }} as postcode,
        _extract_date as extract_date
    from identified
),

coded as (
    select
        cleaned.*,
        coalesce(sex_codes.sex, 'U') as sex,
        ethnicity_codes.description as ethnicity,
        ethnicity_codes.ethnic_group,
        ethnicity_codes.dfe_code as ethnicity_dfe_code
    from cleaned
    left join sex_codes on cleaned.sex_code = sex_codes.code
    left join ethnicity_codes on cleaned.ethnicity_code = ethnicity_codes.code
)

select * from coded
