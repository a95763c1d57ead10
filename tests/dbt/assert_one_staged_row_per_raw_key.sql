{#- Every primary key in a raw table appears exactly once in its staging model: deduplication
    keeps one version per key and no join to a seed drops or multiplies rows. Returns the
    tables whose counts differ. The list is literal so dbt sees every ref when it parses. -#}
{% set tables = [
    ('housing', 'persons', ['person_ref']),
    ('housing', 'tenancies', ['tenancy_ref']),
    ('housing', 'tenancy_members', ['tenancy_ref', 'person_ref']),
    ('housing', 'rent_arrears', ['tenancy_ref', 'snapshot_date']),
    ('housing', 'homelessness_cases', ['case_ref']),
    ('housing', 'temporary_accommodation', ['placement_ref']),
    ('revenues', 'accounts', ['account_ref']),
    ('revenues', 'liable_parties', ['party_ref']),
    ('revenues', 'discounts', ['account_ref', 'discount_code', 'start_date']),
    ('revenues', 'arrears', ['account_ref', 'financial_year']),
    ('adult_social_care', 'persons', ['la_person_unique_identifier']),
    ('adult_social_care', 'addresses', ['address_id']),
    ('adult_social_care', 'events', ['event_reference']),
    ('childrens_social_care', 'children', ['lachildid']),
    ('childrens_social_care', 'addresses', ['addressid']),
    ('childrens_social_care', 'contacts', ['contactid']),
    ('childrens_social_care', 'referrals', ['referralid']),
    ('childrens_social_care', 'assessments', ['assessmentid']),
    ('childrens_social_care', 'cp_plans', ['cppid']),
    ('childrens_social_care', 'looked_after_episodes', ['episodeid']),
    ('send', 'persons', ['person_id']),
    ('send', 'requests', ['request_id']),
    ('send', 'plans', ['plan_id']),
    ('gazetteer', 'llpg', ['uprn']),
    ('ons', 'population_estimates', ['year', 'ward_code', 'sex', 'age']),
    ('ons', 'lsoa_deprivation', ['lsoa_code']),
] %}

with

{% for system, table, key in tables %}
{{ system }}__{{ table }} as (
    select
        '{{ system }}__{{ table }}' as source_table,
        (select count(*) from (select distinct {{ key | join(', ') }} from {{ source(system, table) }})) as raw_keys,
        (select count(*) from {{ ref('stg_' ~ system ~ '__' ~ table) }}) as staged_rows
),
{% endfor %}

compared as (
    {% for system, table, key in tables %}
    select * from {{ system }}__{{ table }}
    {{ "union all" if not loop.last }}
    {% endfor %}
)

select * from compared
where raw_keys <> staged_rows
