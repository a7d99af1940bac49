-- The identity model's parameters, learned from the data, one row per field and level:
--   u = how often two different people agree at that level by chance, counted on
--       `identity_u_sample_pairs` record pairs drawn at random (by a hash of the record ids);
--   m = how often two records of one person agree at that level, learned by expectation-
--       maximisation (EM) over the candidate pairs with u held fixed, one training session per
--       rule in `identity_training_rules`; a session learns every field but those its rule
--       blocks on (they agree by construction), and a field's m is the mean over the sessions
--       that learn it (the method of Splink and the Fellegi-Sunter literature);
--   the prior = the share of candidate pairs that are matches, by EM with m and u fixed.
-- A level's match weight is log2(m / u): what agreeing at that level adds to the log2 odds
-- that two records are one person. EM is unrolled (`identity_em_iterations` steps) over the
-- distinct comparison patterns, a small table, so every engine runs it as plain SQL.
{%- set comparisons = identity_comparisons() %}
{%- set sessions = identity_training_sessions() %}
{%- set iterations = var('identity_em_iterations') | int %}
{%- set initial_share = var('identity_em_initial_match_share') %}
{%- set offsets = 10 %}
{#- a half pair added to every level's count, so a level never seen is unlikely, not impossible -#}
{%- set pseudo_count = 0.5 %}
{%- set initial_share_sql = 'cast(' ~ initial_share ~ ' as ' ~ type_double() ~ ')' %}

with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

candidate_pairs as (
    select * from {{ ref('int_customer_identity__candidate_pairs') }}
),

name_alias_pairs as (
    select * from {{ ref('int_customer_identity__name_alias_pairs') }}
),

-- random pairs: records in the order of a hash of their ids, each paired with the records a
-- fixed number of places further on (offsets spread over the whole list), every stride-th
-- record only, so the sample has about identity_u_sample_pairs pairs at any size
positions as (
    select
        record_id,
        row_number() over (order by {{ dbt.hash('record_id') }}, record_id) as record_position,
        count(*) over () as record_count
    from records
),

sample_settings as (
    select
        max(record_count) as record_count,
        cast(greatest(1, ceiling(max(record_count) * {{ offsets }}.0 / {{ var('identity_u_sample_pairs') }})) as bigint)
            as stride,
        cast(greatest(1, floor(max(record_count) / {{ offsets + 1 }}.0)) as bigint) as spacing
    from positions
),

random_pairs as (
    {%- for offset in range(1, offsets + 1) %}
    select
        a.record_id as record_id_a,
        b.record_id as record_id_b
    from positions as a
    cross join sample_settings as s
    inner join positions as b
        on b.record_position = mod(a.record_position - 1 + {{ offset }} * s.spacing, s.record_count) + 1
    where mod(a.record_position, s.stride) = 0 and a.record_id <> b.record_id
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

random_aligned as (
    select
        {{ identity_aligned_pair_columns('a', 'b') }}
    from random_pairs
    inner join records as a on random_pairs.record_id_a = a.record_id
    inner join records as b on random_pairs.record_id_b = b.record_id
    {{ identity_aligned_pair_joins('a', 'b') }}
),

random_comparisons as (
    select
        {{ identity_gamma_columns() }}
    from random_aligned
),

u_probabilities as (
    select
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        (
            sum(case when gamma_{{ c.field }} = {{ loop.index }} then 1 else 0 end)
            + cast({{ pseudo_count }} as {{ type_double() }})
        )
        / (
            sum(case when gamma_{{ c.field }} > 0 then 1 else 0 end)
            + cast({{ pseudo_count * c.levels | length }} as {{ type_double() }})
        ) as u_{{ c.field }}_{{ loop.index }}{{ ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from random_comparisons
),
{%- for session in sessions %}
{%- set s = 's' ~ loop.index %}

-- training session {{ loop.index }}: pairs found by `{{ session.rule }}`; it does not learn
-- {{ session.blocked_fields | join(', ') }}
{{ s }}_patterns as (
    select
        {%- for c in comparisons %}
        {{ '0' if c.field in session.blocked_fields else 'gamma_' ~ c.field }} as gamma_{{ c.field }},
        {%- endfor %}
        count(*) as pair_count
    from candidate_pairs
    -- pairs that conflict are known to be different people: they teach the model nothing
    where is_found_by_{{ session.rule }} and not is_conflicting
    group by
        {%- for c in comparisons if c.field not in session.blocked_fields %}
        gamma_{{ c.field }}{{ ',' if not loop.last }}{% endfor %}
),

{{ s }}_params_0 as (
    select
        {{ initial_share_sql }} as match_share,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        {{ identity_initial_m(loop.index, c.levels | length) }} as m_{{ c.field }}_{{ loop.index }}
        {{- ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
),
{%- for i in range(1, iterations + 1) %}

{{ s }}_posteriors_{{ i }} as (
    select
        patterns.*,
        {{ identity_posterior('params', 'u_probabilities', 'patterns') }} as match_probability
    from {{ s }}_patterns as patterns
    cross join {{ s }}_params_{{ i - 1 }} as params
    cross join u_probabilities
),

{{ s }}_params_{{ i }} as (
    select
        coalesce(sum(pair_count * match_probability) / sum(pair_count), {{ initial_share_sql }}) as match_share,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        {%- if c.field in session.blocked_fields %}
        {{ identity_initial_m(loop.index, c.levels | length) }}
        {%- else %}
        coalesce(
            (
                sum(case when gamma_{{ c.field }} = {{ loop.index }} then pair_count * match_probability else 0 end)
                + cast({{ pseudo_count }} as {{ type_double() }})
            )
            / (
                sum(case when gamma_{{ c.field }} > 0 then pair_count * match_probability else 0 end)
                + cast({{ pseudo_count * c.levels | length }} as {{ type_double() }})
            ),
            {{ identity_initial_m(loop.index, c.levels | length) }}
        )
        {%- endif %} as m_{{ c.field }}_{{ loop.index }}
        {{- ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from {{ s }}_posteriors_{{ i }}
),
{%- endfor %}
{%- endfor %}

-- a field's m: the mean over the sessions that learn it
m_probabilities as (
    select
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- set learning = [] %}
        {%- for session in sessions %}
        {%- if c.field not in session.blocked_fields %}
        {%- do learning.append('s' ~ loop.index ~ '.m_' ~ c.field) %}
        {%- endif %}
        {%- endfor %}
        {%- for level in c.levels %}
        {%- set code = loop.index %}
        {%- set is_last = outer_loop.last and loop.last %}
        (
            {%- for m in learning %}
            {{ '+ ' if not loop.first }}{{ m }}_{{ code }}{% endfor %}
        )
        / {{ learning | length }}.0
            as m_{{ c.field }}_{{ loop.index }}{{ ',' if not is_last }}{% endfor %}{% endfor %}
    from s1_params_{{ iterations }} as s1{% for session in sessions[1:] %}
    cross join s{{ loop.index + 1 }}_params_{{ iterations }} as s{{ loop.index + 1 }}{% endfor %}
),

-- the prior: EM on the share of matches among the candidate pairs that do not conflict, m
-- and u fixed
all_patterns as (
    select
        {%- for c in comparisons %}
        gamma_{{ c.field }},
        {%- endfor %}
        count(*) as pair_count
    from candidate_pairs
    where not is_conflicting
    group by
        {%- for c in comparisons %}
        gamma_{{ c.field }}{{ ',' if not loop.last }}{% endfor %}
),

pattern_bayes_factors as (
    select
        all_patterns.pair_count,
        {%- for c in comparisons %}
        {{ identity_probability(c.field, 'all_patterns.gamma_' ~ c.field, 'm_probabilities.m') }}
        / {{ identity_probability(c.field, 'all_patterns.gamma_' ~ c.field, 'u_probabilities.u') }}
        {{- ' *' if not loop.last }}
        {%- endfor %} as bayes_factor
    from all_patterns
    cross join m_probabilities
    cross join u_probabilities
),

prior_0 as (
    select {{ initial_share_sql }} as match_share
),
{%- for i in range(1, iterations + 1) %}

prior_{{ i }} as (
    select
        coalesce(
            sum(
                pattern_bayes_factors.pair_count * prior_{{ i - 1 }}.match_share * pattern_bayes_factors.bayes_factor
                / (
                    prior_{{ i - 1 }}.match_share * pattern_bayes_factors.bayes_factor
                    + 1 - prior_{{ i - 1 }}.match_share
                )
            ) / sum(pattern_bayes_factors.pair_count),
            {{ initial_share_sql }}
        ) as match_share
    from pattern_bayes_factors
    cross join prior_{{ i - 1 }}
),
{%- endfor %}

parameters as (
    {%- for c in comparisons %}
    {%- set outer_loop = loop %}
    {%- for level in c.levels %}
    select
        '{{ c.field }}' as field_name,
        '{{ level }}' as level_name,
        {{ loop.index }} as level_code,
        cast(m_probabilities.m_{{ c.field }}_{{ loop.index }} as {{ type_double() }}) as m_probability,
        cast(u_probabilities.u_{{ c.field }}_{{ loop.index }} as {{ type_double() }}) as u_probability
    from m_probabilities
    cross join u_probabilities
    union all
    {%- endfor %}
    select
        '{{ c.field }}' as field_name,
        'missing' as level_name,
        0 as level_code,
        cast(null as {{ type_double() }}) as m_probability,
        cast(null as {{ type_double() }}) as u_probability
    union all
    {%- endfor %}
    select
        'prior' as field_name,
        'match_share_of_candidate_pairs' as level_name,
        0 as level_code,
        cast(match_share as {{ type_double() }}) as m_probability,
        cast(1 - match_share as {{ type_double() }}) as u_probability
    from prior_{{ iterations }}
)

select
    field_name,
    level_name,
    level_code,
    m_probability,
    u_probability,
    coalesce(m_probability / u_probability, 1.0) as bayes_factor,
    -- log2 of the Bayes factor; a missing value is neutral
    coalesce(ln(m_probability / u_probability) / ln(2.0), 0.0) as match_weight
from parameters
