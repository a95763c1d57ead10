{#- A cleaned identifier is present exactly when its *_is_valid flag is true, in every person
    model that validates one. -#}
with

checks as (
    select 'housing' as source_system, source_record_id, ni_number is not null as kept, ni_number_is_valid as is_valid
    from {{ ref('stg_housing__persons') }}
    union all
    select 'revenues', source_record_id, ni_number is not null, ni_number_is_valid
    from {{ ref('stg_revenues__liable_parties') }}
    union all
    select 'adult_social_care', source_record_id, nhs_number is not null, nhs_number_is_valid
    from {{ ref('stg_adult_social_care__persons') }}
    union all
    select 'childrens_social_care', source_record_id, upn is not null, upn_is_valid
    from {{ ref('stg_childrens_social_care__children') }}
    union all
    select 'send', source_record_id, upn is not null, upn_is_valid
    from {{ ref('stg_send__persons') }}
)

select * from checks
where kept <> coalesce(is_valid, false)
