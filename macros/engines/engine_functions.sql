{#-
    What an engine needs before the project's SQL runs on it (an on-run-start hook): the
    functions the identity resolution calls that the engine lacks. DuckDB has them all (nothing
    to do); PostgreSQL's are in macros/engines/postgres/functions.sql, Spark's in
    macros/engines/spark/functions.sql: Jaro-Winkler and Damerau-Levenshtein, equal to DuckDB's
    to the bit (a test compares them on thousands of pairs).

    macros/ by purpose: cross_db/ holds the small per-engine shims the models call (types,
    errors, string similarity, regular expressions); engines/ what a target needs set up or
    overridden; the other folders are business rules (money, identity, customer_state, quality,
    statistics) and the project's own plumbing (project/).
-#}
{% macro engine_compatibility() %}
    {{- return(adapter.dispatch('engine_compatibility', 'crm_warehouse')()) -}}
{% endmacro %}

{% macro default__engine_compatibility() %}{% endmacro %}
