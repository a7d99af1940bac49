{#-
    An amount as money: rounded to the cent, half away from zero, as a DECIMAL(38, 2). The one
    rounding rule for money on every engine, for both kinds of amount:
    - a decimal (the default): `round(x, 2)`, exact at any size up to the 38-digit limit;
    - a float (`from_float=true`, for divisions, which run in doubles so that engines agree):
      rounded in float arithmetic, `sign(x) * floor(abs(x) * 100 + 0.5) / 100`. A direct cast
      rounds differently per engine (PostgreSQL converts a float through 15 significant
      digits, DuckDB from its exact value), so an amount near half a cent could come out one
      cent apart; and the float form cannot serve decimals: near the 38-digit limit
      `x * 100 + 0.5` leaves DECIMAL(38) and loses the cents.
-#}
{% macro cents(expression, from_float=false) -%}
    {%- if from_float -%}
    cast(sign({{ expression }}) * floor(abs({{ expression }}) * 100 + 0.5) / 100 as decimal(38, 2))
    {%- else -%}
    cast(round({{ expression }}, 2) as decimal(38, 2))
    {%- endif -%}
{%- endmacro %}
