{{ config(materialized='table', schema='intermediate') }}

{#- Who each service's rates are per: children's services per 10,000 children (SEND to age 25,
    as EHC plans run to 25), adult care per 100,000 adults (ASCOF), housing and council tax per
    10,000 adults. -#}

with

bases as (
    select
        'send' as service,
        0 as min_age,
        25 as max_age,
        10000 as rate_per,
        'per 10,000 residents aged 0-25' as rate_basis
    union all
    select
        'childrens_social_care' as service,
        0 as min_age,
        17 as max_age,
        10000 as rate_per,
        'per 10,000 children aged 0-17' as rate_basis
    union all
    select
        'adult_social_care' as service,
        18 as min_age,
        120 as max_age,
        100000 as rate_per,
        'per 100,000 adults aged 18+' as rate_basis
    union all
    select
        'housing' as service,
        18 as min_age,
        120 as max_age,
        10000 as rate_per,
        'per 10,000 adults aged 18+' as rate_basis
    union all
    select
        'council_tax' as service,
        18 as min_age,
        120 as max_age,
        10000 as rate_per,
        'per 10,000 adults aged 18+' as rate_basis
)

select
    cast(service as varchar) as service,
    cast(min_age as integer) as min_age,
    cast(max_age as integer) as max_age,
    cast(rate_per as integer) as rate_per,
    cast(rate_basis as varchar) as rate_basis
from bases
