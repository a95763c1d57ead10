{{ config(materialized='view', schema='intermediate') }}

{#- A view: DuckDB derives its rows from staging in a tenth of the time it takes to write them
    to the file again, every build (bench/RESULTS.md, "Intermediate models as views"). -#}

{#- Every person record of the five systems in one standard shape: what person linkage compares. -#}

{#- Each system's person model, the source table it stages and whether it records deaths. -#}
{%- set person_models = [
    {'model': 'stg_housing__persons', 'source_table': 'persons', 'has_died_on': false},
    {'model': 'stg_revenues__liable_parties', 'source_table': 'liable_parties', 'has_died_on': false},
    {'model': 'stg_adult_social_care__persons', 'source_table': 'persons', 'has_died_on': true},
    {'model': 'stg_childrens_social_care__children', 'source_table': 'children', 'has_died_on': true},
    {'model': 'stg_send__persons', 'source_table': 'persons', 'has_died_on': false},
] %}

with

unioned as (
    {%- for person_model in person_models %}
        select
            source_system,
            '{{ person_model.source_table }}' as source_table,
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
            {{ 'died_on' if person_model.has_died_on else 'cast(null as date) as died_on' }},
            extract_date
        from {{ ref(person_model.model) }}
        {{ 'union all' if not loop.last }}
    {%- endfor %}
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
