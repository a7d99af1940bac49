{#-
    The order in which the rows of one customer record (source_system, customer_id) are
    preferred: the latest update first; among rows updated at the same time (or never), the
    latest delivery (its batch's load time, then the row further down its file). The first is
    the version in use: identity resolution reads it, and superseded_customer_records lists the
    others. The one home of the rule.
-#}
{% macro customer_version_order() -%}
    updated_at desc nulls last, batch_loaded_at desc nulls last, source_row_number desc, raw_row_key asc
{%- endmacro %}

{#- The delivered attributes two rows of one record are compared on (their raw values, trimmed). -#}
{% macro customer_version_columns() -%}
    {{ return([
        'first_name', 'last_name', 'company_name', 'email', 'phone', 'birth_date', 'customer_type',
        'address_line', 'city', 'postal_code', 'country', 'acquisition_channel', 'created_at',
    ]) }}
{%- endmacro %}
