{#- Identity of one raw row, unique even where business keys repeat: `<batch id>:<row in file>`. -#}
{% macro raw_row_key() -%}
    _batch_id || ':' || cast(_source_row_number as {{ type_text() }})
{%- endmacro %}
