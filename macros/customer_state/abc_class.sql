{#-
    The ABC class of a customer: C when its value is not positive; else A
    while the running sum of positive values down to it is at most abc_a_share of their total,
    B while at most abc_b_share, else C.
-#}
{% macro abc_class(value, running_positive_value, total_positive_value) -%}
    case
        when {{ value }} <= 0 then 'C'
        when {{ running_positive_value }} <= {{ var('abc_a_share') }} * {{ total_positive_value }} then 'A'
        when {{ running_positive_value }} <= {{ var('abc_b_share') }} * {{ total_positive_value }} then 'B'
        else 'C'
    end
{%- endmacro %}
