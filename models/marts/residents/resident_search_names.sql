{{ config(
    materialized='table',
    schema='marts',
    pre_hook="drop view if exists main.resident_search_names",
) }}

{#- Stored: as a view (until 2026-12, by a missing config) every search computed it again from
    all 1,600,000 residents, and the index saved nothing. A warehouse built then still holds that
    view in main, which the dashboards would find first: the pre-hook drops it. -#}

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
    -- In order: a nightly build must make the table a full rebuild makes (test_incremental_refresh).
    array_agg(distinct resident_id order by resident_id) as resident_ids
from resident_names
where name_lower is not null
group by name_lower
