{#- Rows for which the condition is true (null counts as false); portable where FILTER is not. -#}
{% macro count_where(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as {{ dbt.type_bigint() }})
{%- endmacro %}
