{#-
    A float amount as money: rounded to the cent (half up), then a DECIMAL(38, 2). For floats
    only: a decimal amount near the 38-digit limit leaves DECIMAL(38) in `x * 100 + 0.5` and
    loses its cents, so decimal sums keep `cast(round(x, 2) as decimal(38, 2))`. Float amounts
    are rounded in float arithmetic, the same on every engine: a direct cast rounds differently
    per engine (PostgreSQL converts a float through 15 significant digits, DuckDB from its exact
    value), so an amount near half a cent could come out one cent apart.
-#}
{% macro cents(expression) -%}
    cast(floor(({{ expression }}) * 100 + 0.5) / 100 as decimal(38, 2))
{%- endmacro %}
