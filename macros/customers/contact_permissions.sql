{#- The contact channels of the permissions (raw contact_permissions) and, for each, the
    dim_customer flag that says the customer can be reached on it at all. -#}
{% macro contact_channels() -%}
    {{ return([
        {'channel': 'email', 'reachable': 'has_valid_email'},
        {'channel': 'phone', 'reachable': 'has_valid_phone'},
        {'channel': 'sms', 'reachable': 'has_valid_phone'},
        {'channel': 'post', 'reachable': 'has_address'},
    ]) }}
{%- endmacro %}

{#- SQL condition: a customer whose permission on a channel is `permission` (opted_in,
    opted_out or not_recorded) may be contacted there (var contact_requires_opt_in). -#}
{% macro contact_is_permitted(permission) -%}
    {%- if var('contact_requires_opt_in') -%}
        ({{ permission }} = 'opted_in')
    {%- else -%}
        ({{ permission }} <> 'opted_out')
    {%- endif %}
{%- endmacro %}
