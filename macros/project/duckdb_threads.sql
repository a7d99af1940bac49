{#- on-run-start: with CRM_DUCKDB_THREADS set (a whole number), DuckDB works with that many
    threads for the whole invocation (threads is a setting of the database, not of one cursor);
    unset, DuckDB uses every core as usual. For machines where several builds share few cores
    (the test suite: three at once on two cores), where idle DuckDB threads would wait for cores
    the other builds hold. -#}
{% macro duckdb_thread_limit() -%}
    {%- set threads = env_var('CRM_DUCKDB_THREADS', '') -%}
    {%- if target.type == 'duckdb' and threads -%}
        {%- if not (threads | string).isdigit() or threads | int < 1 -%}
            {{ exceptions.raise_compiler_error(
                "CRM_DUCKDB_THREADS is '" ~ threads ~ "'; it must be a whole number of threads >= 1, or unset"
            ) }}
        {%- endif -%}
        set threads = {{ threads | int }}
    {%- endif -%}
{%- endmacro %}
