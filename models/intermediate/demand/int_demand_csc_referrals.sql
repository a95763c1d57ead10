{{ config(materialized='table', schema='intermediate') }}

{#- Referrals with the resident they concern and the re-referral rule of the CIN census: a
    referral is a re-referral when the same child (the resident, across duplicate child records)
    had another referral in the 365 days before it, the same day included. -#}

with

referrals as (
    select * from {{ ref('stg_childrens_social_care__referrals') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

resolved as (
    select
        referrals.referral_id,
        referrals.child_id,
        referrals.referred_on,
        referrals.primary_need_code,
        referrals.referral_source_cin_code,
        bridge.resident_id,
        coalesce(cast(bridge.resident_id as varchar), 'childrens_social_care:' || referrals.child_id) as child_key
    from referrals
    left join bridge
        on bridge.source_system = 'childrens_social_care' and referrals.child_id = bridge.source_record_id
    where referrals.referred_on is not null
),

sequenced as (
    select
        *,
        lag(referred_on) over (partition by child_key order by referred_on, referral_id) as previous_referred_on
    from resolved
),

flagged as (
    select
        referral_id,
        child_id,
        resident_id,
        referred_on,
        previous_referred_on,
        primary_need_code,
        referral_source_cin_code,
        coalesce(referred_on - previous_referred_on <= 365, false) as is_re_referral
    from sequenced
)

select * from flagged
