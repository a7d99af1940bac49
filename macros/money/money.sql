{#-
    Money, the one rounding rule of the project: an amount rounded to the cent (half up), then
    a DECIMAL(38, 2). A decimal amount is rounded exactly. A float amount is rounded in float
    arithmetic, the same on every engine: a direct cast rounds differently per engine
    (PostgreSQL converts a float through 15 significant digits, DuckDB from its exact value), so
    an amount near half a cent could come out one cent apart.
-#}
{% macro cents(expression) -%}
    cast(floor(({{ expression }}) * 100 + 0.5) / 100 as decimal(38, 2))
{%- endmacro %}
