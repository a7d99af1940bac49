{#- Fails with every row whose column holds a code that is not one of the quarantine reasons
    (their one home: macros/quality/quarantine_reasons.sql), so a new reason needs no edit here. -#}
{% test is_quarantine_reason(model, column_name) %}
    select *
    from {{ model }}
    where {{ column_name }} not in (
        {%- for reason in quarantine_reasons() %}
        '{{ reason.code }}'{% if not loop.last %},{% endif %}
        {%- endfor %}
    )
{% endtest %}
