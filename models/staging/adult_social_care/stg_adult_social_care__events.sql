{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'event_reference': 'trim(event_reference)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('adult_social_care', 'events'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['event_reference']) }}
),

event_types as (
    select * from {{ ref('asc_event_types') }}
),

service_types as (
    select * from {{ ref('asc_service_types') }}
),

cleaned as (
    select
        {{ key.event_reference }} as event_reference,
        trim(la_person_unique_identifier) as person_id,
        {{ clean_code('event_type') }} as event_type_code,
        {{ parse_date('event_start_date', date_format) }} as started_on,
        {{ parse_date('event_end_date', date_format) }} as ended_on,
        {{ clean_text('event_outcome') }} as event_outcome,
        {{ clean_code('service_type') }} as service_type_code,
        {{ clean_text('delivery_mechanism') }} as delivery_mechanism,
        {{ parse_decimal('unit_cost') }} as unit_cost,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        event_types.description as event_type,
        service_types.description as service_type,
        service_types.setting as service_setting
    from cleaned
    left join event_types on cleaned.event_type_code = event_types.code
    left join service_types on cleaned.service_type_code = service_types.code
)

select * from coded
