{#- The churn rule, in one place: a customer has churned once more than churn_days days pass
    without a purchase, so a gap between two purchases longer than that is a churn followed by a
    reactivation. gap_days_sql: SQL of the days between two purchases (or since the last one). -#}
{% macro is_churn_gap(gap_days_sql) -%}
    ({{ gap_days_sql }} > {{ var('churn_days') }})
{%- endmacro %}
