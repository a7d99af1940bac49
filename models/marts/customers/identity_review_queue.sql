-- Pairs of customer records a person should look at: the model is unsure (a match weight from
-- `identity_review_weight` up to `identity_match_weight`), or the model would merge them but a
-- conflict rule keeps them apart. Both records side by side as compared (standardised), the
-- weight, each field's contribution, and the customers the records are in now. A decision goes
-- into the seed identity_decisions (must_link / cannot_link) and holds from the next build.
{%- set comparisons = identity_comparisons() %}

with

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

resolved as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

to_review as (
    select
        *,
        case when decision = 'review' then 'uncertain_weight' else 'conflict_rule' end as review_reason
    from match_pairs
    where
        decision = 'review'
        or (decision = 'conflict' and match_weight >= {{ var('identity_match_weight') }})
)

select
    a.source_system as source_system_a,
    a.customer_id as customer_id_a,
    b.source_system as source_system_b,
    b.customer_id as customer_id_b,
    to_review.review_reason,
    to_review.match_weight,
    to_review.match_probability,
    to_review.agreeing_fields,
    to_review.is_name_swapped,
    resolved_a.customer_key as customer_key_a,
    resolved_b.customer_key as customer_key_b,
    {%- for c in comparisons %}
    to_review.{{ c.field }}_weight,
    {%- endfor %}
    {%- for side in ['a', 'b'] %}
    {%- set outer_loop = loop %}
    {%- for column in ['first_name', 'last_name', 'birth_date', 'address', 'postal_code', 'city', 'email', 'phone'] %}
    {{ side }}.{{ column }} as {{ column }}_{{ side }}
    {{- ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
from to_review
inner join records as a on to_review.record_id_a = a.record_id
inner join records as b on to_review.record_id_b = b.record_id
inner join resolved as resolved_a on to_review.record_id_a = resolved_a.record_id
inner join resolved as resolved_b on to_review.record_id_b = resolved_b.record_id
