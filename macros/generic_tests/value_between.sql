{#- Every non-null value lies in [min_value, max_value]. Hand-written: dbt_utils is not
    installable here. -#}
{% test value_between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
