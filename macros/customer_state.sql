{#-
    Fingerprints of what a customer-state date depends on, so the month-end state grid
    (int_customer_state__grid) re-states a date only when its inputs changed.

    customer_state_config_fingerprint(): an md5 of every var the state logic reads and of the
    grid's own SQL, so changing a threshold or upgrading the model re-states every date.
    row_fingerprint(columns): a 64-bit hash of one row's values; summed over the rows a date
    depends on, it changes when any row is added, removed or changed.
-#}
{% macro customer_state_config_fingerprint() -%}
    {%- set names = [
        'profitability_window_months', 'abc_value_metric', 'abc_a_share', 'abc_b_share', 'strategic_share',
        'new_customer_days', 'active_days', 'churn_days',
    ] -%}
    {%- set parts = [] -%}
    {%- for name in names -%}
        {%- do parts.append(name ~ '=' ~ var(name)) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model'
            and node.name in ['int_customer_state__grid', 'int_customer_purchase_days'] -%}
            {%- do parts.append(node.name ~ ':' ~ node.raw_code) -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(local_md5(parts | join('|'))) -}}
{%- endmacro %}

{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'crm_warehouse')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{#- a 64-bit hash of the values written as text (any type), as PostgreSQL's own hash of text -#}
{% macro postgres__row_fingerprint(columns) -%}
    hashtextextended(concat_ws(chr(31), {{ columns | join(', ') }}), 0)
{%- endmacro %}
