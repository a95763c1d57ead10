{{ config(materialized='table', schema='marts') }}

{#- The abbreviations staging expands in every address (address_abbreviations() in
    macros/addresses.sql), for the resident search: "21 Ash Gr" must find 21 Ash Grove, as
    linkage would. Built from the macro, so the search can never drift from staging. -#}
select
    abbreviations.abbreviation,
    abbreviations.expansion
from (
    values
    {% for abbreviation, expansion in address_abbreviations().items() -%}
        ('{{ abbreviation }}', '{{ expansion }}'){{ "," if not loop.last }}
    {% endfor -%}
) as abbreviations (abbreviation, expansion)
