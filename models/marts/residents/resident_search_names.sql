-- The resident search's index: each name a resident goes by (forename or surname, in lower
-- case) with the residents who go by it. A typed word is compared with these distinct names,
-- a few tens of thousands, instead of with every resident's two names: at 1,200,000 residents
-- that is over three million typo-tolerant comparisons per word, too slow for a search box.
with resident_names as (
    select
        resident_id,
        lower(forename) as name_lower
    from {{ ref('dim_resident') }}
    union all
    select
        resident_id,
        lower(surname) as name_lower
    from {{ ref('dim_resident') }}
)

select
    name_lower,
    array_agg(distinct resident_id) as resident_ids
from resident_names
where name_lower is not null
group by name_lower
