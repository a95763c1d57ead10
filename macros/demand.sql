{#- The steps fct_demand_monthly and fct_demand_yearly share. They differ only in their grain
    (the period columns each row is counted in), the events they read and the periods every
    measure must have a borough-wide value in, so each step takes those as arguments. -#}


{#- The breakdowns every measure has, besides borough-wide ('all'): breakdown -> the column
    that holds its category in fct_demand_events and int_demand_population. -#}
{% macro demand_demographic_breakdowns() -%}
    {{ return({'ward': 'ward_code', 'age_band': 'age_band', 'sex': 'sex'}) }}
{%- endmacro %}


{#- The services' own breakdowns: fct_demand_events names each in <breakdown>_kind (for example
    cin_primary_need) and holds its category in <breakdown>. -#}
{% macro demand_service_breakdowns() -%}
    {{ return(['need', 'setting']) }}
{%- endmacro %}


{#- The sum of amount and the number of rows per service, measure (with its value_unit), period,
    breakdown and category: every event counted borough-wide, under each demographic breakdown
    (a missing category as 'Unknown') and under each service breakdown it has (a missing category
    as 'Not recorded'). Summed as decimals (amounts are counts or money in pence): a sum of
    doubles depends on the order the threads add them, and a rebuild, or a count kept by adding
    each night's change (demand_counts), must give the very same figures. Each breakdown is
    summed straight from `events` (read it through a CTE that is not materialized): a few small
    aggregates over the millions of rows took half the time of one over every combination of
    categories, or of one over every row repeated under each breakdown. -#}
{% macro demand_counted(events, grain) -%}
    {%- set keys = demand_measure_keys(grain) -%}
    select
        {{ keys | join(', ') }},
        'all' as breakdown,
        'all' as category,
        sum(cast(amount as decimal(18, 2))) as value,
        count(*) as n_rows
    from {{ events }}
    group by {{ keys | join(', ') }}
    {%- for breakdown, column in demand_demographic_breakdowns().items() %}
    union all
    select
        {{ keys | join(', ') }},
        '{{ breakdown }}' as breakdown,
        coalesce({{ column }}, 'Unknown') as category,
        sum(cast(amount as decimal(18, 2))) as value,
        count(*) as n_rows
    from {{ events }}
    group by {{ keys | join(', ') }}, coalesce({{ column }}, 'Unknown')
    {%- endfor %}
    {%- for breakdown in demand_service_breakdowns() %}
    union all
    select
        {{ keys | join(', ') }},
        {{ breakdown }}_kind as breakdown,
        coalesce({{ breakdown }}, 'Not recorded') as category,
        sum(cast(amount as decimal(18, 2))) as value,
        count(*) as n_rows
    from {{ events }}
    where {{ breakdown }}_kind is not null
    group by {{ keys | join(', ') }}, {{ breakdown }}_kind, coalesce({{ breakdown }}, 'Not recorded')
    {%- endfor %}
{%- endmacro %}


{#- The model of demand_counted's sums over the rows of `events` (fct_demand_events) that
    `counted` (a condition on its columns) selects, kept up to date by adding what each build
    changed: the sums of the rows fct_demand_events inserted less those of the rows it deleted
    (kept by its hooks, macros/incremental.sql), added to the groups they touch. Summing the 30
    million rows again (at 1,200,000 residents) took most of the demand marts' time in a nightly
    build, for a change to 3% of them. Sums of decimals, so the order they are added in changes
    nothing; n_rows says when a group has no row left (the post-hook deletes it). In the model:
        config(materialized='incremental', incremental_strategy='delete+insert',
               unique_key=demand_count_keys(grain),
               post_hook="{{ demand_counts_kept(ref('fct_demand_events')) }}")
        {{ demand_counts(ref('fct_demand_events'), grain, counted) }} -#}
{% macro demand_counts(events, grain, counted) -%}
    {%- set keys = demand_count_keys(grain) -%}
    {%- set how = _demand_counts_plan(events) -%}
    -- How this build counts ({{ how }}): in full, by adding the change since the last build, or
    -- not at all (it counted that change already). Recorded in {{ unit_state('__counted') }}.
    {%- if how == 'change' %}
    {{ _demand_counts_changed(events, grain, counted, keys) }}
    {%- elif how == 'full' %}
    {{ _demand_counts_summed(events, grain, counted, keys) }}
    {%- else %}
    select
        {{ keys | join(', ') }},
        value,
        n_rows
    from {{ this }}
    where false
    {%- endif %}
{%- endmacro %}


{% macro _demand_counts_changed(events, grain, counted, keys) -%}
    with

    inserted as not materialized (
        select * from {{ unit_state('__inserted', of=events) }} where {{ counted }}
    ),

    deleted as not materialized (
        select * from {{ unit_state('__deleted', of=events) }} where {{ counted }}
    ),

    changed as (
        select {{ keys | join(', ') }}, value, n_rows from ({{ demand_counted('inserted', grain) }}) as added
        union all
        select {{ keys | join(', ') }}, -value, -n_rows from ({{ demand_counted('deleted', grain) }}) as taken
    ),

    counts as (
        select
            {{ keys | join(', ') }},
            sum(value) as value,
            sum(n_rows) as n_rows
        from changed
        group by {{ keys | join(', ') }}
    )

    -- The sums kept for each group the change touches, plus the change.
    select
        {{ keys | join(', ') }},
        cast(coalesce(kept.value, 0) + counts.value as decimal(38, 2)) as value,
        cast(coalesce(kept.n_rows, 0) + counts.n_rows as bigint) as n_rows
    from counts
    left join {{ this }} as kept using ({{ keys | join(', ') }})
{%- endmacro %}


{% macro _demand_counts_summed(events, grain, counted, keys) -%}
    with

    counted_events as not materialized (
        select * from {{ events }} where {{ counted }}
    ),

    counts as (
        {{ demand_counted('counted_events', grain) }}
    )

    select
        {{ keys | join(', ') }},
        cast(value as decimal(38, 2)) as value,
        cast(n_rows as bigint) as n_rows
    from counts
    {%- if is_incremental() %}
    union all
    -- Groups kept that have no row now: zero, for the post-hook to delete.
    select {{ keys | join(', ') }}, 0 as value, 0 as n_rows
    from (
        select {{ keys | join(', ') }} from {{ this }}
        except
        select {{ keys | join(', ') }} from counts
    ) as gone
    {%- endif %}
{%- endmacro %}


{#- The columns of fct_demand_events the demand_counts models read: what they filter on, group
    by and sum. fct_demand_events keeps these of the rows each build changes (keep_changes). -#}
{% macro demand_count_columns() -%}
    {%- set columns = ['service', 'measure', 'value_unit', 'snapshot', 'is_annual_only', 'year', 'month_start'] -%}
    {%- do columns.extend(demand_demographic_breakdowns().values()) -%}
    {%- for breakdown in demand_service_breakdowns() -%}
        {%- do columns.extend([breakdown ~ '_kind', breakdown]) -%}
    {%- endfor -%}
    {{ return(columns + ['amount']) }}
{%- endmacro %}


{#- What a demand count is of, before its breakdown: the measure and the period (`grain`). -#}
{% macro demand_measure_keys(grain) -%}
    {{ return(['service', 'measure', 'value_unit'] + grain) }}
{%- endmacro %}


{% macro demand_count_keys(grain) -%}
    {{ return(demand_measure_keys(grain) + ['breakdown', 'category']) }}
{%- endmacro %}


{#- 'change' when fct_demand_events recorded a change that follows the one this model counted
    last, 'none' when this model counted that very change, else 'full'. -#}
{% macro _demand_counts_plan(events) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set change = unit_state_relation('__change', of=events) -%}
    {%- set counted = unit_state_relation('__counted') -%}
    {%- if not (change and counted) -%}
        {{ return('full') }}
    {%- endif -%}
    {%- set row = run_query(
        "select change.kind, change.change_id = counted.change_id, change.previous_change_id = counted.change_id"
        ~ " from " ~ change ~ " as change cross join " ~ counted ~ " as counted"
    ).rows -%}
    {%- if row | length != 1 -%}
        {{ return('full') }}
    {%- elif row[0][1] -%}
        {{ return('none') }}
    {%- elif row[0][0] == 'delta' and row[0][2] -%}
        {{ return('change') }}
    {%- endif -%}
    {{ return('full') }}
{%- endmacro %}


{#- The post-hook of a demand_counts model: drop the groups left with no row, and record the
    change counted and how. -#}
{% macro demand_counts_kept(events) -%}
    delete from {{ this }} where n_rows = 0;
    create or replace table {{ unit_state('__counted') }} as
    select change_id, '{{ _demand_counts_plan(events) }}' as counted
    from {{ unit_state('__change', of=events) }};
{%- endmacro %}


{#- The counted rows plus a zero borough-wide row for every measure in every period of `periods`
    that counted nothing, so that no measure has a missing period. -#}
{% macro demand_with_borough_zeros(counted, measures, periods, grain) -%}
    select * from {{ counted }}
    union all
    select
        measures.service,
        measures.measure,
    {%- for column in grain %}
        periods.{{ column }},
    {%- endfor %}
        'all' as breakdown,
        'all' as category,
        0.0 as value
    from {{ measures }} as measures
    cross join {{ periods }} as periods
    where not exists (
        select 1 from {{ counted }} as counted
        where
            counted.service = measures.service and counted.measure = measures.measure
    {%- for column in grain %}
            and counted.{{ column }} = periods.{{ column }}
    {%- endfor %}
            and counted.breakdown = 'all'
    )
{%- endmacro %}


{#- Each service's denominator population per year, borough-wide and under each demographic
    breakdown, from `service_population` (int_demand_population). -#}
{% macro demand_denominators(service_population) -%}
    select
        service,
        year,
        'all' as breakdown,
        'all' as category,
        sum(population) as population
    from {{ service_population }}
    group by service, year
    {%- for breakdown, column in demand_demographic_breakdowns().items() %}
    union all
    select
        service,
        year,
        '{{ breakdown }}' as breakdown,
        {{ column }} as category,
        sum(population) as population
    from {{ service_population }}
    group by service, year, {{ column }}
    {%- endfor %}
{%- endmacro %}


{#- The mart's rows: each value of `counted` with its unit (from `measures`: service, measure,
    value_unit), its rate basis, the ward's name as the category label, the population it is a
    rate of (from `denominators`, built by demand_denominators) and the rate. Values that are
    not counts have no rate; a service breakdown (need, setting) is a rate of the whole service
    population. -#}
{% macro demand_rated(counted, measures, denominators, grain) -%}
    select
        service,
        measure,
        {{ grain | join(', ') }},
        breakdown,
        category,
        category_label,
        value,
        value_unit,
        rate_per,
        rate_basis,
        cast(population as bigint) as population,
        case when population > 0 then value * rate_per / population end as rate
    from (
        select
            counted.service,
            counted.measure,
    {%- for column in grain if column != 'year' %}
            counted.{{ column }},
    {%- endfor %}
            counted.breakdown,
            counted.category,
            measures.value_unit,
            rate_bases.rate_per,
            rate_bases.rate_basis,
            cast(counted.year as integer) as year,
            cast(counted.value as double) as value,
            case
                when counted.breakdown = 'ward' then coalesce(ward_names.ward_name, counted.category)
                else counted.category
            end as category_label,
            case
                when measures.value_unit != 'count' then null
                when own_population.population is not null then own_population.population
                when counted.breakdown not in ('{{ demand_demographic_breakdowns().keys() | join("', '") }}')
                    then borough_population.population
            end as population
        from {{ counted }} as counted
        inner join {{ measures }} as measures
            on counted.service = measures.service and counted.measure = measures.measure
        inner join {{ ref('int_demand_rate_bases') }} as rate_bases on counted.service = rate_bases.service
        left join {{ denominators }} as own_population
            on
                counted.service = own_population.service and counted.year = own_population.year
                and counted.breakdown = own_population.breakdown and counted.category = own_population.category
        left join {{ denominators }} as borough_population
            on
                counted.service = borough_population.service and counted.year = borough_population.year
                and borough_population.breakdown = 'all'
        left join (
            select distinct
                ward_code,
                ward_name
            from {{ ref('dim_property') }}
            where ward_code is not null
        ) as ward_names
            on counted.breakdown = 'ward' and counted.category = ward_names.ward_code
    ) as rated
{%- endmacro %}


{#- The system whose address records a demand row's own address points into: council tax rows
    name revenues addresses, every other service's a housing address. fct_demand_events locates
    rows by it and int_demand_event_units digests the same lookup, so the two cannot drift. -#}
{% macro demand_address_system(service) -%}
    case {{ service }} when 'council_tax' then 'revenues' else 'housing' end
{%- endmacro %}
