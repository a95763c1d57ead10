{#- Incremental refresh by unit, for the few large models a nightly delta barely touches.

    A model's rows fall into units (a resident, a household, a case) whose rows depend only on
    that unit's inputs. A companion model lists every unit with a digest of those inputs
    (``units``: the key columns and ``input_digest``). incremental_state.<model> remembers the
    digest each unit's rows were built from and the build that built them. A nightly build
    deletes the rows of units whose digest changed or that have gone, and builds the units it no
    longer holds (incremental_state.<model>__to_build): the rows a full build makes, as
    tests/test_incremental_refresh.py proves.

    Written by hand: dbt's own strategies (delete+insert, merge) replace rows by key but cannot
    tell which keys changed upstream, nor delete the rows of a unit that has gone.

    In the model:
        config(materialized='incremental', incremental_strategy='append',
               pre_hook="{{ forget_changed_units(ref('units_model'), ['key']) }}",
               post_hook="{{ remember_units(ref('units_model'), ['key']) }}")
    and keep to the units to build with unit_is_to_build(['key'], ['alias.key']). The orchestration
    runs dbt with --full-refresh when the dbt code changes, and names the build in
    incremental_state.current_build (orchestration/defs/dbt.py).

    keep_changes=[columns] (in both hooks) keeps those columns of the rows the build deleted and
    inserted, for models that sum this one's rows and add only the change (macros/demand.sql,
    demand_counts). Only the columns they read: keeping every column of the million rows each
    way of a 1,200,000-resident nightly cost fct_demand_events 4.6 s, these columns 2.9 s. -#}

{#- The state table `suffix` of this model, or of the model `of` (a relation). -#}
{% macro unit_state(suffix='', of=none) -%}
incremental_state.{{ (of or this).identifier }}{{ suffix }}
{%- endmacro %}


{#- The relation of unit_state(suffix, of), or none while it does not exist. -#}
{% macro unit_state_relation(suffix='', of=none) -%}
{{ return(adapter.get_relation(this.database, 'incremental_state', (of or this).identifier ~ suffix)) }}
{%- endmacro %}


{% macro _keys_match(left, right, keys) -%}
{%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}


{#- The schema and the build's name every unit state needs (on-run-start, dbt_project.yml). -#}
{% macro ensure_unit_state() -%}
create schema if not exists incremental_state;
create table if not exists incremental_state.current_build (build_id varchar);
{%- endmacro %}


{% macro forget_changed_units(units, keys, keep_changes=false) %}
{%- set columns = keys | join(', ') -%}
{% if is_incremental() and unit_state_relation() %}
    -- Units built from other inputs than they have now, or gone.
    create or replace temp table stale_units as
    select {{ columns }} from {{ unit_state() }} as state
    where not exists (
        select 1 from {{ units }} as units
        where {{ _keys_match('state', 'units', keys) }} and state.input_digest = units.input_digest
    );
{%- if keep_changes %}
    create or replace table {{ unit_state('__deleted') }} as
    select {{ keep_changes | join(', ') }} from {{ this }}
    where ({{ columns }}) in (select {{ columns }} from stale_units);
{%- endif %}
    delete from {{ this }} as built using stale_units where {{ _keys_match('stale_units', 'built', keys) }};
    delete from {{ unit_state() }} as state using stale_units where {{ _keys_match('stale_units', 'state', keys) }};
    drop table stale_units;
{% elif is_incremental() %}
    -- Rows of a table no state describes: build every unit again.
{%- if keep_changes %}
    create or replace table {{ unit_state('__deleted') }} as select {{ keep_changes | join(', ') }} from {{ this }};
{%- endif %}
    delete from {{ this }};
    create or replace table {{ unit_state() }} as
    select {{ columns }}, input_digest, cast(null as varchar) as build_id from {{ units }} where false;
{% else %}
    create or replace table {{ unit_state() }} as
    select {{ columns }}, input_digest, cast(null as varchar) as build_id from {{ units }} where false;
{%- if keep_changes %}
    drop table if exists {{ unit_state('__deleted') }};
{%- endif %}
{% endif %}
create or replace table {{ unit_state('__to_build') }} as
select {{ columns }} from {{ units }} as units
where not exists (select 1 from {{ unit_state() }} as state where {{ _keys_match('state', 'units', keys) }});
{%- if keep_changes %}
{{ _record_change() }}
{%- endif %}
{% endmacro %}


{#- True for a unit this build must build (every unit, in a full build); ``values`` are the
    expressions of the unit's key columns, in the order of ``keys``. An in, not a correlated
    exists: DuckDB runs that as a delim join, which made int_demand_snapshots take 6.5 s to find
    no unit to build among 8 million spells (at 1,200,000 residents), against 1.5 s. -#}
{% macro unit_is_to_build(keys, values) -%}
{%- if is_incremental() -%}
({% for value in values %}{{ value }}{% if not loop.last %}, {% endif %}{% endfor %}) in (
    select {{ keys | join(', ') }} from {{ unit_state('__to_build') }}
)
{%- else -%}
true
{%- endif -%}
{%- endmacro %}


{% macro remember_units(units, keys, keep_changes=false) %}
{%- set columns = keys | join(', ') -%}
insert into {{ unit_state() }}
select {{ columns }}, input_digest, (select max(build_id) from incremental_state.current_build) as build_id
from {{ units }} as units
where exists (select 1 from {{ unit_state('__to_build') }} as to_build where {{ _keys_match('to_build', 'units', keys) }});
{%- if keep_changes %}
{#- The kind the pre-hook recorded, not is_incremental(), which is true here in a first build
    too; a condition in SQL instead still searched every row (14 s in a full build). -#}
{%- set kind = run_query('select kind from ' ~ unit_state('__change')).columns[0].values()[0] if execute else 'full' %}
{%- set built_tonight = 'where (' ~ columns ~ ') in (select ' ~ columns ~ ' from ' ~ unit_state('__to_build') ~ ')' %}
create or replace table {{ unit_state('__inserted') }} as
select {{ keep_changes | join(', ') }} from {{ this }} {{ built_tonight if kind == 'delta' else 'where false' }};
{%- endif %}
drop table {{ unit_state('__to_build') }};
{% endmacro %}


{#- What this build changes, for the models that add it to their sums: the rows it deletes
    (__deleted, kept by forget_changed_units) and inserts (__inserted, by remember_units), and
    in __change an id for the change, the id of the change before it and whether it is a delta
    or a rebuild in full (whose rows are not copied: every row is new, and __inserted is left
    empty). A model that adds a delta to its sums knows by the ids whether it added the one
    before; if not it counts again in full, so a model run twice, or left out of a run, is never
    wrong. Recorded by the pre-hook: in the post-hook the table exists, so is_incremental() is
    true even in a first build. -#}
{% macro _record_change() %}
{%- set change = unit_state('__change') -%}
{%- set had_change = unit_state_relation('__change') -%}
{%- set previous = '(select max(change_id) from ' ~ change ~ ')' if had_change else 'cast(null as varchar)' -%}
create or replace temp table new_change as
select
    cast(uuid() as varchar) as change_id,
    {{ previous }} as previous_change_id,
    '{{ "delta" if is_incremental() else "full" }}' as kind;
create or replace table {{ change }} as select * from new_change;
drop table new_change;
{% endmacro %}
