{{ config(materialized='view', schema='intermediate') }}

{#- A view: DuckDB derives its rows from staging in a tenth of the time it takes to write them
    to the file again, every build (bench/RESULTS.md, "Intermediate models as views"). -#}

{#- Which address record each person record lived at, and when: the tenancy a tenant is a member
    of, the account a liable party is liable on, the address history of a client. Person linkage
    compares the UPRNs these resolve to; households are people at one UPRN over overlapping periods. -#}

with

tenancy_members as (
    select * from {{ ref('stg_housing__tenancy_members') }}
),

tenancies as (
    select * from {{ ref('stg_housing__tenancies') }}
),

homelessness_cases as (
    select * from {{ ref('stg_housing__homelessness_cases') }}
),

temporary_accommodation as (
    select * from {{ ref('stg_housing__temporary_accommodation') }}
),

liable_parties as (
    select * from {{ ref('stg_revenues__liable_parties') }}
),

council_tax_accounts as (
    select * from {{ ref('stg_revenues__accounts') }}
),

adult_social_care_addresses as (
    select * from {{ ref('stg_adult_social_care__addresses') }}
),

childrens_social_care_addresses as (
    select * from {{ ref('stg_childrens_social_care__addresses') }}
),

send_persons as (
    select * from {{ ref('stg_send__persons') }}
),

housing_tenancies as (
    select
        'housing' as source_system,
        tenancy_members.person_ref as person_record_id,
        'tenancies' as address_table,
        tenancy_members.tenancy_ref as address_record_id,
        coalesce(tenancy_members.started_on, tenancies.tenancy_started_on) as started_on,
        coalesce(tenancy_members.ended_on, tenancies.tenancy_ended_on) as ended_on
    from tenancy_members
    left join tenancies on tenancy_members.tenancy_ref = tenancies.tenancy_ref
),

housing_last_settled as (
    -- The last settled home: lived in until the approach.
    select
        'housing',
        person_ref,
        'homelessness_cases',
        case_ref,
        cast(null as date),
        approached_on
    from homelessness_cases
    where person_ref is not null
),

housing_placements as (
    select
        'housing',
        homelessness_cases.person_ref,
        'temporary_accommodation',
        temporary_accommodation.placement_ref,
        temporary_accommodation.placement_started_on,
        temporary_accommodation.placement_ended_on
    from temporary_accommodation
    inner join homelessness_cases on temporary_accommodation.case_ref = homelessness_cases.case_ref
),

council_tax_liability as (
    select
        'revenues',
        liable_parties.party_ref,
        'accounts',
        liable_parties.account_ref,
        coalesce(liable_parties.liable_from, council_tax_accounts.liability_started_on),
        coalesce(liable_parties.liable_to, council_tax_accounts.liability_ended_on)
    from liable_parties
    left join council_tax_accounts on liable_parties.account_ref = council_tax_accounts.account_ref
),

adult_social_care_history as (
    select
        'adult_social_care',
        person_id,
        'addresses',
        address_id,
        started_on,
        ended_on
    from adult_social_care_addresses
),

childrens_social_care_history as (
    select
        'childrens_social_care',
        child_id,
        'addresses',
        address_id,
        started_on,
        ended_on
    from childrens_social_care_addresses
),

send_current as (
    -- SEND keeps only the current address on the person record.
    select
        'send',
        person_id,
        'persons',
        person_id as address_record_id,
        cast(null as date),
        cast(null as date)
    from send_persons
),

unioned as (
    select * from housing_tenancies
    union all
    select * from housing_last_settled
    union all
    select * from housing_placements
    union all
    select * from council_tax_liability
    union all
    select * from adult_social_care_history
    union all
    select * from childrens_social_care_history
    union all
    select * from send_current
),

keyed as (
    select
        source_system,
        person_record_id,
        source_system || ':' || person_record_id as person_record_key,
        address_table,
        address_record_id,
        source_system || ':' || address_table || ':' || address_record_id as address_record_key,
        started_on,
        ended_on
    from unioned
    where person_record_id is not null and address_record_id is not null
)

select * from keyed
