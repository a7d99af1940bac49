-- Every candidate pair scored, and what is decided about it. The match weight is the prior
-- (log2 odds that two records of one customer type are one person) plus each field's weight at the level the
-- pair agrees on (int_customer_identity__parameters): the log2 odds that the two records are
-- one person. Decisions, first that applies: a data steward's reviewed decision (seed
-- identity_decisions: must_link / cannot_link, also for pairs the blocking did not find);
-- `conflict` for clearly different people; `match` at or above `identity_match_weight`;
-- `review` from `identity_review_weight`; else `non_match`.
{%- set comparisons = identity_comparisons() %}

with

candidate_pairs as (
    select * from {{ ref('int_customer_identity__candidate_pairs') }}
),

parameters as (
    select * from {{ ref('int_customer_identity__parameters') }}
),

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

identity_decisions as (
    select * from {{ ref('identity_decisions') }}
),

weights as (
    select
        max(case when field_name = 'prior' then match_weight end) as prior_weight,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        max(case when field_name = '{{ c.field }}' and level_code = {{ loop.index }} then match_weight end)
            as w_{{ c.field }}_{{ loop.index }}{{ ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from parameters
),

-- reviewed decisions on pairs of known records, in the pair order of the candidate pairs
reviewed as (
    select
        case when a.record_id < b.record_id then a.record_id else b.record_id end as record_id_a,
        case when a.record_id < b.record_id then b.record_id else a.record_id end as record_id_b,
        max(identity_decisions.decision) as decision
    from identity_decisions
    inner join records as a
        on identity_decisions.source_system_a = a.source_system and identity_decisions.customer_id_a = a.customer_id
    inner join records as b
        on identity_decisions.source_system_b = b.source_system and identity_decisions.customer_id_b = b.customer_id
    where a.record_id <> b.record_id
    group by
        case when a.record_id < b.record_id then a.record_id else b.record_id end,
        case when a.record_id < b.record_id then b.record_id else a.record_id end
),

scored as (
    select
        candidate_pairs.*,
        weights.prior_weight,
        {%- for c in comparisons %}
        {{ identity_probability(c.field, 'candidate_pairs.gamma_' ~ c.field, 'weights.w')
            | replace('else 1.0', 'else 0.0') }}
            as {{ c.field }}_weight{{ ',' if not loop.last }}{% endfor %}
    from candidate_pairs
    cross join weights
),

-- every scored pair (with its reviewed decision, if any), then the reviewed pairs the blocking
-- did not find: no distinct over all candidate pairs, which at scale costs as much as scoring them
pairs as (
    {%- for side in ['scored', 'reviewed'] %}
    select
        {{ side }}.record_id_a,
        {{ side }}.record_id_b,
        scored.blocking_rule,
        coalesce(scored.is_name_swapped, false) as is_name_swapped,
        coalesce(scored.is_conflicting, false) as is_conflicting,
        reviewed.decision as reviewed_decision,
        {%- for c in comparisons %}
        scored.gamma_{{ c.field }},
        scored.{{ c.field }}_weight,
        {%- endfor %}
        scored.prior_weight
        {%- for c in comparisons %}
        + scored.{{ c.field }}_weight
        {%- endfor %} as match_weight
    {%- if side == 'scored' %}
    from scored
    left join reviewed
        on scored.record_id_a = reviewed.record_id_a and scored.record_id_b = reviewed.record_id_b
    union all
    {%- else %}
    from reviewed
    left join scored
        on reviewed.record_id_a = scored.record_id_a and reviewed.record_id_b = scored.record_id_b
    where scored.record_id_a is null
    {%- endif %}
    {%- endfor %}
)

select
    record_id_a,
    record_id_b,
    blocking_rule,
    match_weight,
    1.0 / (1.0 + power(2.0, -match_weight)) as match_probability,
    case
        when reviewed_decision is not null then reviewed_decision
        when is_conflicting then 'conflict'
        when match_weight >= {{ var('identity_match_weight') }} then 'match'
        when match_weight >= {{ var('identity_review_weight') }} then 'review'
        else 'non_match'
    end as decision,
    is_name_swapped,
    is_conflicting,
    -- the fields on which the two records agree exactly or closely (a nickname counts)
    concat_ws(
        ', '
        {%- for c in comparisons %},
        case
            when gamma_{{ c.field }} >= {{ c.levels.index('close') + 1 if 'close' in c.levels else c.levels | length }}
                {%- if c.field == 'first_name' %} or gamma_first_name = {{ c.levels.index('nickname') + 1 }}{% endif %}
                then '{{ c.field }}'
        end
        {%- endfor %}
    ) as agreeing_fields,
    {%- for c in comparisons %}
    gamma_{{ c.field }},
    {{ c.field }}_weight{{ ',' if not loop.last }}{% endfor %}
from pairs
