{#- Incremental refresh by unit, for the few large models a nightly delta barely touches.

    A model's rows fall into units (a resident, a household, a case) whose rows depend only on
    that unit's inputs. A companion model lists every unit with a digest of those inputs
    (``units``: the key columns and ``input_digest``). incremental_state.<model> remembers the
    digest each unit's rows were built from and the build that built them. A nightly build keeps
    the rows of units whose digest is unchanged, deletes the rest, and builds only units it no
    longer holds: the same rows a full build makes, as the incremental refresh tests prove.

    Written by hand: dbt's own strategies (delete+insert, merge) replace rows by key but cannot
    tell which keys changed upstream, nor delete the rows of a unit that has gone.

    In the model:
        config(materialized='incremental', incremental_strategy='append',
               pre_hook="{{ forget_changed_units(ref('units_model'), ['key']) }}",
               post_hook="{{ remember_units(ref('units_model'), ['key']) }}")
    and keep to the units to build with unit_is_to_build(['key'], ['alias.key']). The orchestration runs
    dbt with --full-refresh when the dbt code changes (orchestration/defs/dbt.py). -#}

{% macro unit_state() -%}
incremental_state.{{ this.identifier }}
{%- endmacro %}


{% macro _keys_match(left, right, keys) -%}
{%- for key in keys %}{{ left }}.{{ key }} = {{ right }}.{{ key }}{% if not loop.last %} and {% endif %}{% endfor -%}
{%- endmacro %}


{% macro forget_changed_units(units, keys) %}
    create schema if not exists incremental_state;
    {% if is_incremental() %}
        create table if not exists {{ unit_state() }} as
            select {{ keys | join(', ') }}, input_digest, cast(null as varchar) as build_id from {{ units }} where false;
        -- Units no longer built from the inputs they have now (or not in the state at all).
        delete from {{ this }} as built
        where not exists (
            select 1
            from {{ unit_state() }} as state
            inner join {{ units }} as units
                on {{ _keys_match('state', 'units', keys) }} and state.input_digest = units.input_digest
            where {{ _keys_match('state', 'built', keys) }}
        );
        delete from {{ unit_state() }} as state
        where not exists (
            select 1 from {{ units }} as units
            where {{ _keys_match('state', 'units', keys) }} and state.input_digest = units.input_digest
        );
    {% else %}
        create or replace table {{ unit_state() }} as
            select {{ keys | join(', ') }}, input_digest, cast(null as varchar) as build_id from {{ units }} where false;
    {% endif %}
{% endmacro %}


{#- True for a unit this build must build (every unit, in a full build); ``values`` are the
    expressions of the unit's key columns, in the order of ``keys``. -#}
{% macro unit_is_to_build(keys, values) -%}
{%- if is_incremental() -%}
not exists (
    select 1 from {{ unit_state() }} as state
    where {% for key in keys %}state.{{ key }} = {{ values[loop.index0] }}{% if not loop.last %} and {% endif %}{% endfor %}
)
{%- else -%}
true
{%- endif -%}
{%- endmacro %}


{% macro remember_units(units, keys) %}
    insert into {{ unit_state() }}
    select {{ keys | join(', ') }}, input_digest, '{{ var("build_id", invocation_id) }}' as build_id
    from {{ units }} as units
    where not exists (select 1 from {{ unit_state() }} as state where {{ _keys_match('state', 'units', keys) }});
{% endmacro %}
