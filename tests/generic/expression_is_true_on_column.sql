{#- Column-level form: fails with every row where `<column> <expression>` is not true. -#}
{% test expression_is_true_on_column(model, column_name, expression) %}
    select *
    from {{ model }}
    where not coalesce(({{ column_name }} {{ expression }}), false)
{% endtest %}
