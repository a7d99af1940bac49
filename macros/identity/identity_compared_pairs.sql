{#- Three CTEs that compare the record pairs of the CTE `pairs` (<key>_a and <key>_b, by default
    record_id_a and record_id_b, and the `carried` columns): <name>_joined (both records and
    their similarities, identity_pair_columns), <name>_aligned (swapped names aligned,
    identity_aligned_columns) and <name>_compared (with a level per field, gamma_<field>).
    Needs the CTEs `records` and `name_alias_pairs`; materialized on PostgreSQL, which would
    otherwise copy each similarity into every use above. -#}
{% macro identity_compared_pairs(name, pairs, carried=[], key='record_id') -%}
{{ name }}_joined as {{ identity_step_cte() }}(
    select
        {%- for column in carried %}
        {{ pairs }}.{{ column }},
        {%- endfor %}
        {{ identity_pair_columns('a', 'b') }}
    from {{ pairs }}
    inner join records as a on {{ pairs }}.{{ key }}_a = a.{{ key }}
    inner join records as b on {{ pairs }}.{{ key }}_b = b.{{ key }}
    {{ identity_aligned_pair_joins('a', 'b') }}
),

{{ name }}_aligned as (
    select
        {{- identity_aligned_columns(carried) }}
    from {{ name }}_joined
),

{{ name }}_compared as (
    select
        *,
        {{ identity_gamma_columns() }}
    from {{ name }}_aligned
)
{%- endmacro %}
