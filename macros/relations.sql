{#- References without the catalog: DuckDB names a file's catalog after the file, and a view that
    named it ("warehouse"."staging"...) would break once the build's working copy is published,
    or copied, under another name. Within one file, schema and table are enough. -#}
{% macro ref() -%}
    {%- do return(builtins.ref(*varargs, **kwargs).include(database=false)) -%}
{%- endmacro %}


{% macro source() -%}
    {%- do return(builtins.source(*varargs, **kwargs).include(database=false)) -%}
{%- endmacro %}
