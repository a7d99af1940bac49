{#- Rows for which the condition is true (null counts as false; zero rows count 0, not null);
    portable where FILTER is not. -#}
{% macro count_where(condition) -%}
    cast(coalesce(sum(case when {{ condition }} then 1 else 0 end), 0) as {{ dbt.type_bigint() }})
{%- endmacro %}
