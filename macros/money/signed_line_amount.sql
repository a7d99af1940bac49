{#-
    The money of one transaction line: quantity x unit value less the discount, negative for a
    return. The one place the sign of returns is applied (net revenue in staging, cost of goods
    in int_sales__lines). Computed in DECIMAL(38,4): any quantity the contract allows (an INTEGER)
    times any unit value it allows (a DECIMAL(18,4)) fits, so no delivery can overflow it.
-#}
{% macro signed_line_amount(transaction_type, quantity, unit_value, discount='0') -%}
    cast(
        case when {{ transaction_type }} = 'return' then -1 else 1 end
        * (cast({{ quantity }} as decimal(38, 4)) * {{ unit_value }} - {{ discount }})
        as decimal(38, 4)
    )
{%- endmacro %}
