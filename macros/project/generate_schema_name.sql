{#-
    Schemas are exactly the configured names (raw, staging, intermediate, marts, snapshots),
    not dbt's default <target_schema>_<custom_schema> such as main_marts: BI users see the
    names the docs use.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
