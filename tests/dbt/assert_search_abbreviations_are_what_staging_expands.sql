{#- The resident search's abbreviations are staging's: standardise_address turns each into its
    expansion, so an address typed either way finds what linkage matched. -#}
select abbreviation, expansion
from {{ ref('address_search_abbreviations') }}
where {{ standardise_address('abbreviation') }} is distinct from expansion
