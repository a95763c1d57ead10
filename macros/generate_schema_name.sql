{#- Use the folder's schema as written (staging, reference) rather than dbt's default
    "<target schema>_<custom schema>", so analysts and dashboards read stable names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
