{#-
    A SQL expression that stops the query with message_sql (a SQL string expression) when it is
    evaluated: put it in a CASE branch that is reached only when the data is unusable, so the
    model fails at build time with a message that names the problem.
-#}
{% macro raise_error(message_sql) -%}
    {{ return(adapter.dispatch('raise_error', 'crm_warehouse')(message_sql)) }}
{%- endmacro %}

{% macro default__raise_error(message_sql) -%}
    {#- engines without an error function: a failing cast whose error text carries the message -#}
    cast({{ message_sql }} as date)
{%- endmacro %}

{% macro duckdb__raise_error(message_sql) -%}
    error({{ message_sql }})
{%- endmacro %}

{#- Spark's raise_error stops the query with the message -#}
{% macro spark__raise_error(message_sql) -%}
    raise_error({{ message_sql }})
{%- endmacro %}
