{#- xlsx date cells are loaded as 'YYYY-MM-DD' text. -#}
{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'request_id': 'trim(request_id)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('send', 'requests'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['request_id']) }}
),

cleaned as (
    select
        {{ key.request_id }} as request_id,
        trim(person_id) as person_id,
        {{ parse_date('received_date', date_format) }} as received_on,
        {{ clean_code('request_source') }} as request_source,
        {{ clean_code('request_outcome') }} as request_outcome,
        {{ parse_date('request_outcome_date', date_format) }} as request_decided_on,
        {{ clean_code('assessment_outcome') }} as assessment_outcome,
        {{ parse_date('assessment_outcome_date', date_format) }} as assessment_decided_on,
        _extract_date as extract_date
    from latest
)

select * from cleaned
