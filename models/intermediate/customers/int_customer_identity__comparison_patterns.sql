-- The distinct comparison patterns (a level per field) of record pairs and how many pairs show
-- each: what EM learns from, a table of a few thousand rows at any size. One set per training
-- rule (`identity_training_rules`: its pairs in int_customer_identity__training_pairs, with the
-- fields it blocks on set to 0, since they agree there by construction) and one of all
-- candidate pairs (`all_pairs`, for the prior). Pairs that conflict are known to be different
-- people and teach the model nothing.
{%- set comparisons = identity_comparisons() %}
{%- set sessions = identity_training_sessions() %}

with

training_pairs as (
    select * from {{ ref('int_customer_identity__training_pairs') }}
),

candidate_pairs as (
    select * from {{ ref('int_customer_identity__candidate_pairs') }}
),
{%- for session in sessions %}

{{ session.rule }}_patterns as (
    select
        '{{ session.rule }}' as training_rule,
        {%- for c in comparisons %}
        {{ '0' if c.field in session.blocked_fields else 'gamma_' ~ c.field }} as gamma_{{ c.field }},
        {%- endfor %}
        count(*) as pair_count
    from training_pairs
    where training_rule = '{{ session.rule }}' and not is_conflicting
    group by
        {%- for c in comparisons if c.field not in session.blocked_fields %}
        gamma_{{ c.field }}{{ ',' if not loop.last }}{% endfor %}
),
{%- endfor %}

all_patterns as (
    select
        'all_pairs' as training_rule,
        {%- for c in comparisons %}
        gamma_{{ c.field }},
        {%- endfor %}
        count(*) as pair_count
    from candidate_pairs
    where not is_conflicting
    group by
        {%- for c in comparisons %}
        gamma_{{ c.field }}{{ ',' if not loop.last }}{% endfor %}
)

select
    training_rule,
    {%- for c in comparisons %}
    cast(gamma_{{ c.field }} as integer) as gamma_{{ c.field }},
    {%- endfor %}
    pair_count
from (
    {%- for session in sessions %}
    select * from {{ session.rule }}_patterns
    union all
    {%- endfor %}
    select * from all_patterns
) as patterns
