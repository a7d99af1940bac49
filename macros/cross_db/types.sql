{#- Text of any length: `varchar` on DuckDB and PostgreSQL, `string` on Spark (whose varchar needs a length). -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__type_text() %}varchar{% endmacro %}

{% macro spark__type_text() %}string{% endmacro %}

{#- The 8-byte float: `double` on DuckDB and Spark, `double precision` on PostgreSQL (the
    contracts and seeds spell it `double precision`, which DuckDB reads too). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() %}double{% endmacro %}

{% macro postgres__type_double() %}double precision{% endmacro %}
