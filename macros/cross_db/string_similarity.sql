{#-
    Similarity of two strings in [0, 1] (1 = equal): Jaro-Winkler, which rewards a shared prefix
    and tolerates one typo in a short name. DuckDB has it; PostgreSQL gets the same function in
    PL/pgSQL and Spark in Spark SQL. Another engine falls back to a normalised Levenshtein
    distance, which links other records: port the function before relying on identity
    resolution there.
-#}
{% macro string_similarity(left, right) -%}
    {{ return(adapter.dispatch('string_similarity', 'crm_warehouse')(left, right)) }}
{%- endmacro %}

{% macro default__string_similarity(left, right) -%}
    (1.0 - levenshtein({{ left }}, {{ right }}) / greatest(length({{ left }}), length({{ right }}), 1))
{%- endmacro %}

{% macro duckdb__string_similarity(left, right) -%}
    jaro_winkler_similarity({{ left }}, {{ right }})
{%- endmacro %}

{#- DuckDB's Jaro-Winkler in PL/pgSQL (macros/engines/postgres/functions.sql) -#}
{% macro postgres__string_similarity(left, right) -%}
    public.crm_jaro_winkler({{ left }}, {{ right }})
{%- endmacro %}

{#- the same in Spark SQL (macros/engines/spark/functions.sql) -#}
{% macro spark__string_similarity(left, right) -%}
    {{ target.schema }}.crm_jaro_winkler({{ left }}, {{ right }})
{%- endmacro %}

{#- Edits (insert, delete, substitute, swap adjacent) that turn one string into the other. -#}
{% macro string_edit_distance(left, right) -%}
    {{ return(adapter.dispatch('string_edit_distance', 'crm_warehouse')(left, right)) }}
{%- endmacro %}

{% macro default__string_edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{% macro duckdb__string_edit_distance(left, right) -%}
    damerau_levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{% macro postgres__string_edit_distance(left, right) -%}
    public.crm_damerau_levenshtein({{ left }}, {{ right }})
{%- endmacro %}

{% macro spark__string_edit_distance(left, right) -%}
    {{ target.schema }}.crm_damerau_levenshtein({{ left }}, {{ right }})
{%- endmacro %}
