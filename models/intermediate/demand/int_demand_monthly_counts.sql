{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=demand_count_keys(['year', 'month_start']),
    on_schema_change='fail',
    schema='intermediate',
    post_hook="{{ demand_counts_kept(ref('fct_demand_events')) }}",
) }}

{#- The sums fct_demand_monthly reports: flow events in their month and stocks on the last day of
    each month, per service, measure, month, breakdown and category. A nightly build adds what
    fct_demand_events changed rather than summing its 30 million rows again (macros/demand.sql,
    demand_counts). Measures reported only per financial year (council tax arrears) are not here. -#}

{{ demand_counts(
    ref('fct_demand_events'),
    ['year', 'month_start'],
    "snapshot in ('event', 'month_end') and not is_annual_only",
) }}
