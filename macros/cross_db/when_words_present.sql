{#-
    `replaced`, an expression that rewrites the words of `expr` (a text with a space before and
    after every word), or `expr` itself where it holds none of `words`: the same value either
    way. DuckDB skips the rewriting of text without those words (a chain of 23 replaces took
    2.3 s a million addresses; a regular expression finds the few that need it); other engines
    rewrite every text.
-#}
{% macro when_words_present(expr, words, replaced) -%}
    {{ return(adapter.dispatch('when_words_present', 'crm_warehouse')(expr, words, replaced)) }}
{%- endmacro %}

{% macro default__when_words_present(expr, words, replaced) -%}
    {{ replaced }}
{%- endmacro %}

{% macro duckdb__when_words_present(expr, words, replaced) -%}
    case when regexp_matches({{ expr }}, ' ({{ words | join('|') }}) ') then {{ replaced }} else {{ expr }} end
{%- endmacro %}
