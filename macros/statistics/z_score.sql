{#-
    The two-sided standard normal quantile of a confidence level: a confidence interval is the
    estimate +/- z_score() x its standard error. The levels offered are the usual three
    (validate_vars refuses another campaign_confidence_level).
-#}
{% macro z_scores() -%}
    {{ return({0.9: 1.6448536270, 0.95: 1.9599639845, 0.99: 2.5758293035}) }}
{%- endmacro %}

{% macro z_score(level=none) -%}
    {%- set chosen = var('campaign_confidence_level') if level is none else level -%}
    {{ return(z_scores()[chosen]) }}
{%- endmacro %}
