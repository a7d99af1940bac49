-- u as one row (u_<field>_<level code>), a pivot of int_customer_identity__u_probabilities, so
-- every EM step reads a one-row table rather than an aggregate it would plan again each time.
{%- set comparisons = identity_comparisons() %}

with

u_levels as (
    select * from {{ ref('int_customer_identity__u_probabilities') }}
),

u_probabilities as (
    select
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        max(case when field_name = '{{ c.field }}' and level_code = {{ loop.index }} then u_probability end)
            as u_{{ c.field }}_{{ loop.index }}{{ ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from u_levels
)

select * from u_probabilities
