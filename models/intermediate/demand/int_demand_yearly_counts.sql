{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=demand_count_keys(['year']),
    on_schema_change='fail',
    schema='intermediate',
    post_hook="{{ demand_counts_kept(ref('fct_demand_events')) }}",
) }}

{#- The sums fct_demand_yearly reports: flow events in their calendar year and stocks on the
    census date, per service, measure, year, breakdown and category. A nightly build adds what
    fct_demand_events changed rather than summing its rows again (macros/demand.sql,
    demand_counts). -#}

{{ demand_counts(ref('fct_demand_events'), ['year'], "snapshot in ('event', 'census')") }}
