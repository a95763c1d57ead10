{% set date_format = '%d/%m/%Y' %}
{#- The staged key, made from the raw columns: what a nightly build restages by (macros/incremental_staging.sql). -#}
{% set key = {'referral_id': 'trim(referralid)'} %}
{{ config(unique_key=key | list) }}

with

source as (
    {{ rows_to_restage(source('childrens_social_care', 'referrals'), key) }}
),

latest as (
    select * from source
    {{ latest_version(['referralid']) }}
),

need_codes as (
    select * from {{ ref('cin_primary_need_codes') }}
),

referral_sources as (
    select * from {{ ref('cin_referral_sources') }}
),

closure_reasons as (
    select * from {{ ref('cin_reasons_for_closure') }}
),

cleaned as (
    select
        {{ key.referral_id }} as referral_id,
        trim(lachildid) as child_id,
        {{ parse_date('cinreferraldate', date_format) }} as referred_on,
        {{ clean_code('referralsource') }} as referral_source_code,
        {{ clean_code('primaryneedcode') }} as primary_need_code,
        {{ parse_flag('referralnfa') }} as is_no_further_action,
        {{ parse_date('cinclosuredate', date_format) }} as closed_on,
        {{ clean_code('reasonforclosure') }} as reason_for_closure_code,
        _extract_date as extract_date
    from latest
),

coded as (
    select
        cleaned.*,
        referral_sources.description as referral_source,
        referral_sources.cin_code as referral_source_cin_code,
        need_codes.description as primary_need,
        closure_reasons.description as reason_for_closure
    from cleaned
    left join referral_sources on cleaned.referral_source_code = referral_sources.code
    left join need_codes on cleaned.primary_need_code = need_codes.code
    left join closure_reasons on cleaned.reason_for_closure_code = closure_reasons.code
)

select * from coded
