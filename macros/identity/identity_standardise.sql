{#-
    Standardisation of the fields identity resolution compares, in SQL every engine runs
    (translate, replace and regular expressions), so DuckDB, PostgreSQL and Spark compare
    exactly the same strings.
-#}

{#-
    Text folded for comparison, never for display: accents folded (a name typed decomposed,
    NFD, equals its precomposed NFC form; García = Garcia, Müller = Muller, Søren = Soren), then
    lower case (after folding, so every engine lower-cases the same ASCII letters); ß, æ and œ
    written out; apostrophes and dots dropped (O'Brien = OBrien, St. = St); every other run of
    non-alphanumerics one space (Mary-Ann = Mary Ann); trimmed; blank becomes null.
-#}
{% macro fold_for_matching(expr) -%}
    {#- the apostrophe as chr(39): Spark reads '' inside a literal as two literals, not a quote -#}
    {%- set letters = "replace(replace(replace(lower(" ~ fold_accents(expr) ~ "), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')" -%}
    nullif(trim({{ regexp_replace_all(
        "replace(replace(replace(" ~ letters ~ ", chr(39), ''), '’', ''), '.', '')",
        '[^a-z0-9]+',
        ' '
    ) }}), '')
{%- endmacro %}

{#-
    A folded address with the common abbreviations of street kinds and directions written out
    (`identity_address_abbreviations`), so `12 Oak St.` equals `12 oak street`.
-#}
{% macro canonical_address(expr) -%}
    {%- set folded = "(' ' || " ~ fold_for_matching(expr) ~ " || ' ')" -%}
    {%- set abbreviations = var('identity_address_abbreviations').items() | sort -%}
    {%- set ns = namespace(sql=folded) -%}
    {%- for short, long in abbreviations -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", ' " ~ short ~ " ', ' " ~ long ~ " ')" -%}
    {%- endfor -%}
    nullif(trim({{ when_words_present(folded, abbreviations | map('first') | list, ns.sql) }}), '')
{%- endmacro %}

{#- Unicode NFC of a text kept for display, so the same name typed NFD and NFC is one value. -#}
{% macro unicode_nfc(expr) -%}
    {{ return(adapter.dispatch('unicode_nfc', 'crm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__unicode_nfc(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__unicode_nfc(expr) -%}
    nfc_normalize({{ expr }})
{%- endmacro %}

{% macro postgres__unicode_nfc(expr) -%}
    normalize({{ expr }}, nfc)
{%- endmacro %}

{#- Spark has no NFC function of its own; the ICU4J it ships has one (reflect fails on null). -#}
{% macro spark__unicode_nfc(expr) -%}
    case when {{ expr }} is not null then reflect('com.ibm.icu.text.Normalizer', 'compose', {{ expr }}, false) end
{%- endmacro %}
