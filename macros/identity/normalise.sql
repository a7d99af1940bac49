{#-
    Normalisation rules shared by staging and identity resolution, so a phone or an email
    is compared in exactly one form everywhere.
-#}

{#- Digits only; a leading country code is dropped when the rest has the national length. -#}
{% macro normalise_phone(expr) -%}
    {%- set country_code = var('phone_country_code') | string -%}
    {%- set national_length = var('phone_national_length') | int -%}
    case
        when length({{ regexp_replace_all(expr, '[^0-9]', '') }}) = 0 then null
        when length({{ regexp_replace_all(expr, '[^0-9]', '') }}) = {{ national_length + country_code | length }}
            and substr({{ regexp_replace_all(expr, '[^0-9]', '') }}, 1, {{ country_code | length }}) = '{{ country_code }}'
            then substr({{ regexp_replace_all(expr, '[^0-9]', '') }}, {{ country_code | length + 1 }})
        else {{ regexp_replace_all(expr, '[^0-9]', '') }}
    end
{%- endmacro %}

{#- Lower case without surrounding spaces; blank becomes null. -#}
{% macro normalise_email(expr) -%}
    nullif(lower(trim({{ expr }})), '')
{%- endmacro %}

{#- Trimmed, inner runs of white space collapsed, lower case; blank becomes null. -#}
{% macro normalise_text(expr) -%}
    nullif(lower(trim({{ regexp_replace_all(expr, '\\s+', ' ') }})), '')
{%- endmacro %}
