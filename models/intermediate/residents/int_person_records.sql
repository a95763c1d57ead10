{{ config(materialized='table', schema='intermediate') }}

{#- Every person record of the five systems in one standard shape: what person linkage compares. -#}

with

housing as (
    select * from {{ ref('stg_housing__persons') }}
),

revenues as (
    select * from {{ ref('stg_revenues__liable_parties') }}
),

adult_social_care as (
    select * from {{ ref('stg_adult_social_care__persons') }}
),

childrens_social_care as (
    select * from {{ ref('stg_childrens_social_care__children') }}
),

send as (
    select * from {{ ref('stg_send__persons') }}
),

unioned as (
    select
        source_system,
        'persons' as source_table,
        source_record_id,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        sex,
        nhs_number,
        ni_number,
        upn,
        cast(null as date) as died_on,
        extract_date
    from housing
    union all
    select
        source_system,
        'liable_parties',
        source_record_id,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        sex,
        nhs_number,
        ni_number,
        upn,
        cast(null as date),
        extract_date
    from revenues
    union all
    select
        source_system,
        'persons',
        source_record_id,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        sex,
        nhs_number,
        ni_number,
        upn,
        died_on,
        extract_date
    from adult_social_care
    union all
    select
        source_system,
        'children',
        source_record_id,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        sex,
        nhs_number,
        ni_number,
        upn,
        died_on,
        extract_date
    from childrens_social_care
    union all
    select
        source_system,
        'persons',
        source_record_id,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        sex,
        nhs_number,
        ni_number,
        upn,
        cast(null as date),
        extract_date
    from send
),

standardised as (
    select
        source_system,
        source_table,
        source_record_id,
        source_system || ':' || source_record_id as person_record_key,
        forename,
        surname,
        forename_std,
        surname_std,
        birth_date,
        -- U (not known) carries no evidence either way: linkage treats it as missing.
        case when sex in ('M', 'F') then sex end as sex,
        nhs_number,
        ni_number,
        upn,
        died_on,
        extract_date
    from unioned
)

select * from standardised
