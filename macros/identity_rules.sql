{#-
    The identity-resolution match rules, strongest first; a rule's rank is its position (1 =
    strongest). The one home of the names and their order: the match pairs keep the strongest
    rule of a pair and the resolved records the strongest rule of a record through these macros.
-#}
{% macro identity_rules() -%}
    {{ return(['email', 'phone', 'name_and_postal_code']) }}
{%- endmacro %}

{#- SQL: the rank of the rule named by rule_sql. -#}
{% macro identity_rule_rank(rule_sql) -%}
    case {{ rule_sql }}
        {%- for rule in identity_rules() %} when '{{ rule }}' then {{ loop.index }}{% endfor %}
    end
{%- endmacro %}

{#- SQL: the name of the rule ranked rank_sql, or otherwise_sql when it is no rule's rank. -#}
{% macro identity_rule_name(rank_sql, otherwise_sql='null') -%}
    case {{ rank_sql }}
        {%- for rule in identity_rules() %} when {{ loop.index }} then '{{ rule }}'{% endfor %}
        else {{ otherwise_sql }}
    end
{%- endmacro %}
