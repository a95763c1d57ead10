{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'party_ref': 'trim(party_ref)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('revenues', 'liable_parties'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['party_ref']) }}
),

named as (
    select
        *,
        {{ forename_from_full_name('liable_name') }} as forename,
        {{ surname_from_full_name('liable_name') }} as surname
    from latest
),

identified as (
    select
        *,
        {{ ni_number_candidate('ni_number') }} as ni_number_candidate
    from named
),

cleaned as (
    select
        'revenues' as source_system,
        trim(party_ref) as source_record_id,
        {{ key.party_ref }} as party_ref,
        trim(account_ref) as account_ref,
        {{ clean_text('liable_name') }} as liable_name,
        forename,
        surname,
        {{ standardise_name('forename') }} as forename_std,
        {{ standardise_name('surname') }} as surname_std,
        {{ parse_date('date_of_birth', date_format) }} as birth_date,
        -- Revenues does not record sex.
        cast(null as varchar) as sex,
        {{ person_identifiers(['ni_number']) }},
        {{ parse_date('liable_from', date_format) }} as liable_from,
        {{ parse_date('liable_to', date_format) }} as liable_to,
        _extract_date as extract_date
    from identified
)

select * from cleaned
