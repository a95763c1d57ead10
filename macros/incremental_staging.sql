{#- Incremental staging: a nightly build restages only the records its new raw rows touch, and
    leaves every staging table exactly as a full build would.

    Why it is exact. A raw table only ever gains rows, a whole file at a time (warehouse/loading.py:
    a file is loaded in one transaction and never changed afterwards; an older extract is
    quarantined, not loaded). A staged row depends only on the raw rows of its own key
    (latest_version, then per-row cleaning and seed lookups), so it can change only when its key
    gains a raw row. staging_state.staged_files remembers, for each model, the files (path and
    sha256) its table was built from. An incremental build then
      1. takes the staged key of every raw row from a file not yet staged,
      2. reads every raw row, old and new, whose staged key is one of those (rows_to_restage), and
         runs the model on them unchanged, so latest_version picks the winner a full build picks,
      3. deletes the table's rows with those keys and inserts the new ones (strategy 'restage'),
      4. records the files it has now staged (remember_staged_files, a post-hook).
    Keys are matched as staging computes them (trimmed, upper case, parsed) and null-safely:
    " P1" and "P1" stage to the same key and are restaged together, and a key that parses to null
    is replaced, not kept twice. A model whose where clause dropped rows would leave a dropped
    key's old row behind; no staging model drops rows, and
    tests/dbt/assert_one_staged_row_per_raw_key.sql fails if one ever does.

    What it does not see: a change of dbt code or seeds. The orchestration builds with
    --full-refresh whenever the dbt code differs from the warehouse's last build; by hand, run
    dbt with --full-refresh after changing a staging model or a seed it joins.

    In a model (dbt_project.yml sets materialized, incremental_strategy and the hooks for staging):
        {% set key = {'tenancy_ref': 'trim(tenancy_ref)'} %}
        {{ config(unique_key=key | list) }}
        source as ({{ rows_to_restage(source('housing', 'tenancies'), key) }}),
        ... {{ key.tenancy_ref }} as tenancy_ref ...
    ``key`` maps each staged key column to its expression over the raw columns, and the model
    must make its key columns with those expressions. tests/dbt/test_incremental_staging.py
    compares a nightly build with a full one. -#}

{% macro staged_files() -%}
    staging_state.staged_files
{%- endmacro %}


{#- The state table, made before any model reads it (on-run-start, dbt_project.yml). -#}
{% macro ensure_staged_files() -%}
    create schema if not exists staging_state;
    create table if not exists {{ staged_files() }} (model varchar, source_file varchar, file_sha256 varchar);
{%- endmacro %}


{#- The raw rows to stage: all of them in a full build, those of the keys new files touch in an
    incremental one. -#}
{% macro rows_to_restage(relation, key) -%}
    {{ _rows_of_touched_keys(relation, key) if is_incremental() else "select * from " ~ relation }}
{%- endmacro %}


{#- Every raw row, old or new, of a staged key that a row from a file not yet staged has. A join
    with the distinct keys and a not in, not correlated exists: DuckDB plans those as delim joins,
    which took 1.9 s to pick a night's rows of stg_housing__rent_arrears out of 6.4 million (at
    1,200,000 residents), against 0.5 s. -#}
{% macro _rows_of_touched_keys(relation, key) -%}
    select raw_row.* exclude ({{ _restage_key_names(key) | join(", ") }})
    from (
        select
            *,
            {{ _restage_keys(key) }}
        from {{ relation }}
    ) as raw_row
    inner join (
        select distinct {{ _restage_keys(key) }}
        from {{ relation }} as delivered
        where (delivered._source_file, delivered._file_sha256) not in (
            select staged.source_file, staged.file_sha256 from {{ staged_files() }} as staged
            where staged.model = '{{ this.identifier }}'
                -- (a null here would make not in match nothing)
                and staged.source_file is not null and staged.file_sha256 is not null
        )
    ) as touched
        on {{ _restage_keys_match("touched", "raw_row", _restage_key_names(key)) }}
{%- endmacro %}


{#- The key expressions under numbered names: the model's own names could clash with raw ones. -#}
{% macro _restage_keys(key) -%}
    {%- for expression in key.values() %}
        {{- expression }} as _restage_key_{{ loop.index }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{% macro _restage_key_names(key) -%}
    {%- set names = [] -%}
    {%- for column in key %}{% set _ = names.append("_restage_key_" ~ loop.index) %}{% endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- Each key column equal on both sides, nulls included. -#}
{% macro _restage_keys_match(left, right, columns) -%}
    {%- for column in columns %}
        {{- left }}.{{ column }} is not distinct from {{ right }}.{{ column }}{{ " and " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- incremental_strategy='restage': delete+insert on the unique key, matched null-safely (dbt's
    own delete+insert matches with "=", so a key that is null would be kept twice). -#}
{% macro get_incremental_restage_sql(arg_dict) -%}
    {%- set keys = _restage_unique_key(arg_dict["unique_key"]) -%}
    {%- set columns = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ arg_dict["target_relation"] }} as staged_row
    where exists (
        select 1 from {{ arg_dict["temp_relation"] }} as restaged
        where {{ _restage_keys_match("restaged", "staged_row", keys) }}
    );

    insert into {{ arg_dict["target_relation"] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict["temp_relation"] }}
{%- endmacro %}


{% macro _restage_unique_key(unique_key) -%}
    {%- if not unique_key -%}
        {{ exceptions.raise_compiler_error("incremental_strategy 'restage' needs a unique_key: " ~ this) }}
    {%- endif -%}
    {{ return([unique_key] if unique_key is string else unique_key) }}
{%- endmacro %}


{#- A post-hook: the files the table now holds, after a full build or an incremental one. -#}
{% macro remember_staged_files() -%}
    delete from {{ staged_files() }} where model = '{{ this.identifier }}';
    insert into {{ staged_files() }}
    select distinct '{{ this.identifier }}', _source_file, _file_sha256 from {{ _restage_raw_relation() }};
{%- endmacro %}


{#- The one raw table the model reads (hooks are rendered once unexecuted, when dbt parses). -#}
{% macro _restage_raw_relation() -%}
    {%- if execute and model.sources | length != 1 -%}
        {{ exceptions.raise_compiler_error("incremental staging reads exactly one raw table: " ~ this) }}
    {%- endif -%}
    {{ return(source(model.sources[0][0], model.sources[0][1]) if execute else none) }}
{%- endmacro %}
