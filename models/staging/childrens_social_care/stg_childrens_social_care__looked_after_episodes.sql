{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'episode_id': 'trim(episodeid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'looked_after_episodes'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['episodeid']) }}
),

legal_statuses as (
    select * from {{ ref('ssda903_legal_statuses') }}
),

placement_types as (
    select * from {{ ref('ssda903_placement_types') }}
),

reasons_ceased as (
    select * from {{ ref('ssda903_reasons_episode_ceased') }}
),

cleaned as (
    select
        {{ key.episode_id }} as episode_id,
        trim(child) as child_id,
        {{ parse_date('decom', date_format) }} as started_on,
        {{ clean_code('rne') }} as reason_new_episode_code,
        {{ clean_code('ls') }} as legal_status_code,
        {{ clean_code('cin') }} as cin_need_code,
        {{ clean_code('place') }} as placement_type_code,
        {{ clean_code('place_provider') }} as placement_provider_code,
        {{ parse_date('"dec"', date_format) }} as ended_on,
        {{ clean_code('rec') }} as reason_ceased_code,
        -- SSDA903 postcodes may be partial (outward code only), so they are tidied, not validated.
        nullif(upper(trim(regexp_replace({{ clean_text('home_post') }}, '\s+', ' ', 'g'))), '') as home_postcode,
        nullif(upper(trim(regexp_replace({{ clean_text('pl_post') }}, '\s+', ' ', 'g'))), '') as placement_postcode,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        legal_statuses.description as legal_status,
        placement_types.description as placement_type,
        placement_types.placement_group,
        reasons_ceased.description as reason_ceased
    from cleaned
    left join legal_statuses on cleaned.legal_status_code = legal_statuses.code
    left join placement_types on cleaned.placement_type_code = placement_types.code
    left join reasons_ceased on cleaned.reason_ceased_code = reasons_ceased.code
)

select * from coded
