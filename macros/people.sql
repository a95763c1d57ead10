{#- The standard person columns the person staging models share, which int_person_records
    unions and person linkage compares. -#}


{#- forename and surname as cleaned text, then each standardised for matching. -#}
{% macro person_names(forename, surname) -%}
    {{ clean_text(forename) }} as forename,
    {{ clean_text(surname) }} as surname,
    {{ standardise_name(forename) }} as forename_std,
    {{ standardise_name(surname) }} as surname_std
{%- endmacro %}


{#- nhs_number, ni_number and upn in that order. Each identifier the system holds (`held`) comes
    from the model's <identifier>_candidate column: the value when valid, and whether it is
    valid; one the system does not hold is null. -#}
{% macro person_identifiers(held) -%}
    {%- set checks = {
        'nhs_number': [nhs_number_clean, nhs_number_is_valid],
        'ni_number': [ni_number_clean, ni_number_is_valid],
        'upn': [upn_clean, upn_is_valid],
    } -%}
    {%- for identifier in held if identifier not in checks %}
        {{ exceptions.raise_compiler_error('person_identifiers: no such identifier ' ~ identifier) }}
    {%- endfor %}
    {%- for identifier, (clean, is_valid) in checks.items() %}
        {%- if identifier in held %}
            {{ clean(identifier ~ '_candidate') }} as {{ identifier }},
            {{ is_valid(identifier ~ '_candidate') }} as {{ identifier }}_is_valid
        {%- else %}
            cast(null as varchar) as {{ identifier }}
        {%- endif %}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Every column of `relation` plus sex (U when not known) and ethnicity, decoded from its
    sex_code and ethnicity_code through the seeds. -#}
{% macro with_sex_and_ethnicity(relation) -%}
    select
        {{ relation }}.*,
        coalesce(sex_codes.sex, 'U') as sex,
        ethnicity_codes.description as ethnicity,
        ethnicity_codes.ethnic_group,
        ethnicity_codes.dfe_code as ethnicity_dfe_code
    from {{ relation }}
    left join {{ ref('sex_codes') }} as sex_codes on {{ relation }}.sex_code = sex_codes.code
    left join {{ ref('ethnicity_codes') }} as ethnicity_codes on {{ relation }}.ethnicity_code = ethnicity_codes.code
{%- endmacro %}


{#- One row per resident_id of `relation`: the value of `column` most of its rows give. A tie goes
    to the value the latest extract gives, then to the first in order, so a rebuild never flips
    it. Text is counted whatever its case and shown as a row not in capitals spells it: council
    tax systems write surnames in capitals. `ignored`: a SQL literal that is no vote. -#}
{% macro most_recorded(relation, column, ignored=none) -%}
    select
        resident_id,
        {{ column }}
    from (
        select
            resident_id,
            {{ column }},
            upper(cast({{ column }} as varchar)) as value_key,
            count(*) over (partition by resident_id, upper(cast({{ column }} as varchar))) as votes,
            max(extract_date) over (partition by resident_id, upper(cast({{ column }} as varchar))) as latest_extract,
            count(*) over (partition by resident_id, {{ column }}) as spelling_votes
        from {{ relation }}
        where {{ column }} is not null{% if ignored %} and {{ column }} <> {{ ignored }}{% endif %}
    ) as counted
    qualify row_number() over (
        partition by resident_id
        order by
            votes desc, latest_extract desc, value_key asc,
            cast({{ column }} as varchar) = value_key asc, spelling_votes desc, {{ column }} asc
    ) = 1
{%- endmacro %}
