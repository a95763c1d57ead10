{#- xlsx date cells are loaded as 'YYYY-MM-DD' text. -#}
{% set date_format = '%Y-%m-%d' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'plan_id': 'trim(plan_id)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('send', 'plans'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['plan_id']) }}
),

primary_needs as (
    select * from {{ ref('sen2_primary_need_codes') }}
),

placement_settings as (
    select * from {{ ref('sen2_placement_settings') }}
),

cease_reasons as (
    select * from {{ ref('sen2_cease_reasons') }}
),

cleaned as (
    select
        {{ key.plan_id }} as plan_id,
        trim(request_id) as request_id,
        trim(person_id) as person_id,
        {{ parse_date('start_date', date_format) }} as issued_on,
        {{ parse_date('cease_date', date_format) }} as ceased_on,
        {{ parse_integer('cease_reason') }}::varchar as cease_reason_code,
        {{ clean_code('primary_need') }} as primary_need_code,
        {{ clean_code('placement_type') }} as placement_type_code,
        {{ clean_text('school_urn') }} as school_urn,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        cease_reasons.description as cease_reason,
        primary_needs.description as primary_need,
        placement_settings.description as placement_type,
        placement_settings.setting_group as placement_group
    from cleaned
    left join cease_reasons on cleaned.cease_reason_code = cease_reasons.code
    left join primary_needs on cleaned.primary_need_code = primary_needs.code
    left join placement_settings on cleaned.placement_type_code = placement_settings.code
)

select * from coded
