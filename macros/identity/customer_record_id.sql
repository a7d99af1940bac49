{#- The natural id of a customer record across systems: `<source_system>:<customer_id>`. -#}
{% macro customer_record_id(source_system, customer_id) -%}
    {{ source_system }} || ':' || {{ customer_id }}
{%- endmacro %}
