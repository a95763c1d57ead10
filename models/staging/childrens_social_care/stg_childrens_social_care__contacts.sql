{% set date_format = '%d/%m/%Y' %}

with

source as (
    select * from {{ source('childrens_social_care', 'contacts') }}
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
        trim(contactid) as contact_id,
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
