{{ config(materialized='table', schema='intermediate') }}

{#- What demand reporting needs to know of a resident: date of birth and sex (dim_resident) and
    the ethnic group most of their records give (for the prevention fairness report). -#}

with

residents as (
    select * from {{ ref('dim_resident') }}
),

bridge as (
    select * from {{ ref('bridge_resident_source_record') }}
),

housing_persons as (
    select * from {{ ref('stg_housing__persons') }}
),

asc_persons as (
    select * from {{ ref('stg_adult_social_care__persons') }}
),

children as (
    select * from {{ ref('stg_childrens_social_care__children') }}
),

send_persons as (
    select * from {{ ref('stg_send__persons') }}
),

recorded_ethnicity as (
    select
        source_system,
        source_record_id,
        ethnic_group
    from housing_persons
    union all
    select
        source_system,
        source_record_id,
        ethnic_group
    from asc_persons
    union all
    select
        source_system,
        source_record_id,
        ethnic_group
    from children
    union all
    select
        source_system,
        source_record_id,
        ethnic_group
    from send_persons
),

ethnicity_counts as (
    select
        bridge.resident_id,
        recorded_ethnicity.ethnic_group,
        count(*) as records
    from recorded_ethnicity
    inner join bridge
        on
            recorded_ethnicity.source_system = bridge.source_system
            and recorded_ethnicity.source_record_id = bridge.source_record_id
    where recorded_ethnicity.ethnic_group is not null and recorded_ethnicity.ethnic_group != 'Not known'
    group by bridge.resident_id, recorded_ethnicity.ethnic_group
),

resident_ethnicity as (
    -- The group most records give; ties go alphabetically, so every build agrees.
    select
        resident_id,
        ethnic_group
    from ethnicity_counts
    qualify row_number() over (partition by resident_id order by records desc, ethnic_group asc) = 1
),

profiled as (
    select
        residents.resident_id,
        residents.birth_date,
        residents.sex,
        residents.current_uprn,
        coalesce(resident_ethnicity.ethnic_group, 'Not known') as ethnic_group
    from residents
    left join resident_ethnicity on residents.resident_id = resident_ethnicity.resident_id
)

select * from profiled
