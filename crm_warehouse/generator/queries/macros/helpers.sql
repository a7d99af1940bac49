{#- Helpers the generator's queries are written with (rendered by crm_warehouse.generator.sql
    and, for linting, by sqlfluff). u(salt, key) is the seeded uniform draw in [0, 1). -#}

{#- one element of a list literal, uniformly by a hash draw -#}
{% macro pick(list_sql, salt, key) -%}
({{ list_sql }})[1 + floor(u('{{ salt }}', {{ key }}) * len({{ list_sql }}))::int]
{%- endmacro %}

{#- a label by cumulative weights: options are (label, weight) pairs; weights need not sum to 1 -#}
{% macro cumulative_case(salt, key, options) -%}
{%- set total = options | sum(attribute=1) -%}
{%- set ns = namespace(acc=0.0) -%}
case
{%- for label, weight in options[:-1] %}
{%- set ns.acc = ns.acc + weight / total %} when u('{{ salt }}', {{ key }}) < {{ '%.10f' | format(ns.acc) }} then '{{ label }}'
{%- endfor %} else '{{ options[-1][0] }}' end
{%- endmacro %}

{#- a 10-digit phone number: a 3-digit area code from 200 and a 7-digit number, both drawn -#}
{% macro phone_digits(area_salt, number_salt, key) -%}
(200 + floor(u('{{ area_salt }}', {{ key }}) * 790))::int::varchar
|| lpad(floor(u('{{ number_salt }}', {{ key }}) * 10000000)::int::varchar, 7, '0')
{%- endmacro %}

{#- a string with letters replaced: replacements are (code point, SQL expression) pairs -#}
{% macro replace_chars(expr, replacements) -%}
{%- for _ in replacements %}replace({% endfor %}{{ expr }}
{%- for code, replacement in replacements %}, chr({{ code }}), {{ replacement }}){% endfor %}
{%- endmacro %}
