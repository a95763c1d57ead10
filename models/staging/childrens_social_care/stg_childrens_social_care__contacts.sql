{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'contact_id': 'trim(contactid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'contacts'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['contactid']) }}
),

contact_outcomes as (
    select * from {{ ref('csc_contact_outcomes') }}
),

cleaned as (
    select
        {{ key.contact_id }} as contact_id,
        trim(lachildid) as child_id,
        {{ parse_date('contactdate', date_format) }} as contacted_on,
        {{ clean_code('contactsource') }} as contact_source,
        {{ clean_code('contactoutcome') }} as contact_outcome,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        contact_outcomes.is_referral
    from cleaned
    left join contact_outcomes on cleaned.contact_outcome = contact_outcomes.code
)

select * from coded
