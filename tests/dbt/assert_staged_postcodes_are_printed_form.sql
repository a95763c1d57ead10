{#- Every postcode in the address-bearing staging models is in printed form ("NW2 3LN"). -#}
{% set address_models = [
    'stg_housing__tenancies', 'stg_housing__homelessness_cases', 'stg_housing__temporary_accommodation',
    'stg_revenues__accounts', 'stg_adult_social_care__addresses', 'stg_childrens_social_care__addresses',
    'stg_send__persons', 'stg_gazetteer__llpg',
] %}

with

postcodes as (
    {% for model in address_models %}
    select '{{ model }}' as model_name, postcode from {{ ref(model) }}
    {{ "union all" if not loop.last }}
    {% endfor %}
)

select * from postcodes
where postcode is not null
    and not regexp_full_match(postcode, '[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}')
