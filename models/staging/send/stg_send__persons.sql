{#- xlsx date cells are loaded as 'YYYY-MM-DD' text. -#}
{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'person_id': 'trim(person_id)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('send', 'persons'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['person_id']) }}
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
        {{ key.person_id }} as person_id,
        {{ person_names('forename', 'surname') }},
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        {{ clean_code('sex') }} as sex_code,
        {{ person_identifiers(['upn']) }},
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
    {{ with_sex_and_ethnicity('cleaned') }}
)

select * from coded
