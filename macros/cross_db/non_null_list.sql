{#- A list (array) of the given expressions' values, in order, without the nulls. -#}
{% macro non_null_list(expressions) -%}
    {{ return(adapter.dispatch('non_null_list', 'crm_warehouse')(expressions)) }}
{%- endmacro %}

{% macro default__non_null_list(expressions) -%}
    array_remove(array[{{ expressions | join(', ') }}], null)
{%- endmacro %}

{% macro duckdb__non_null_list(expressions) -%}
    list_filter([{{ expressions | join(', ') }}], x -> x is not null)
{%- endmacro %}

{#- True when the list (array) contains the value. -#}
{% macro non_null_list_contains(list_expression, value) -%}
    {{ return(adapter.dispatch('non_null_list_contains', 'crm_warehouse')(list_expression, value)) }}
{%- endmacro %}

{% macro default__non_null_list_contains(list_expression, value) -%}
    ({{ value }} = any({{ list_expression }}))
{%- endmacro %}

{% macro duckdb__non_null_list_contains(list_expression, value) -%}
    list_contains({{ list_expression }}, {{ value }})
{%- endmacro %}

{% macro spark__non_null_list(expressions) -%}
    filter(array({{ expressions | join(', ') }}), x -> x is not null)
{%- endmacro %}

{% macro spark__non_null_list_contains(list_expression, value) -%}
    array_contains({{ list_expression }}, {{ value }})
{%- endmacro %}
