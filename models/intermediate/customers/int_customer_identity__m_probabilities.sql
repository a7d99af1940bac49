-- m probabilities, as one row (m_<field>_<level code>), learned from the data (the parameters
-- model publishes them per field and level with u and the prior):
--   u = how often two different people agree at that level by chance
--       (int_customer_identity__u_probabilities);
--   m = how often two records of one person agree at that level, learned by expectation-
--       maximisation (EM) with u held fixed, one training session per rule in
--       `identity_training_rules` on the pairs that rule draws
--       (int_customer_identity__training_pairs); a session learns every field but those its rule
--       blocks on (they agree by construction), and a field's m is the mean over the sessions
--       that learn it (the method of Splink and the Fellegi-Sunter literature);
--   the prior = the share of all comparable record pairs that are matches, by EM with m and u
--       fixed (int_customer_identity__parameters).
-- A level's match weight is log2(m / u): what agreeing at that level adds to the log2 odds
-- that two records are one person. EM is unrolled (`identity_em_iterations` steps) over the
-- distinct comparison patterns (int_customer_identity__comparison_patterns, a small table), so
-- every engine runs it as plain SQL; each step's parameters are one row, materialised where the
-- engine would otherwise recompute them for every pattern or take long to plan the chain of
-- steps (identity_step_cte). A pattern's likelihood as a non-match (u) is the same in every
-- step, so it is computed once.
{#- Spark: its analyzer stops after 100 passes, and the unrolled steps nest deeper than that;
    inferring filters from constraints is exponential in the steps' wide expressions -#}
{{ config(pre_hook=[
    'set spark.sql.analyzer.maxIterations = 1000',
    'set spark.sql.constraintPropagation.enabled = false',
    'set spark.sql.adaptive.enabled = false',
] if target.type == 'spark' else []) }}
{%- set comparisons = identity_comparisons() %}
{%- set sessions = identity_training_sessions() %}
{%- set iterations = var('identity_em_iterations') | int %}
{%- set initial_share = var('identity_em_initial_match_share') %}
{#- a half pair added to every level's count, so a level never seen is unlikely, not impossible -#}
{%- set pseudo_count = 0.5 %}
{%- set initial_share_sql = 'cast(' ~ initial_share ~ ' as ' ~ type_double() ~ ')' %}

with

comparison_patterns as (
    select * from {{ ref('int_customer_identity__comparison_patterns') }}
),

u_probabilities as (
    select * from {{ ref('int_customer_identity__u_row') }}
),
{%- for session in sessions %}
{%- set s = 's' ~ loop.index %}

-- training session {{ loop.index }}: pairs drawn by `{{ session.rule }}`; it does not learn
-- {{ session.blocked_fields | join(', ') }}
{{ s }}_patterns as (
    select
        patterns.*,
        {{ identity_likelihood('u_probabilities.u', 'patterns') }} as u_likelihood
    from comparison_patterns as patterns
    cross join u_probabilities
    where patterns.training_rule = '{{ session.rule }}'
),

{{ s }}_params_0 as {{ identity_step_cte(one_row=true) }}(
    select
        {{ initial_share_sql }} as match_share,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        {{ identity_initial_m(loop.index, c.levels | length) }} as m_{{ c.field }}_{{ loop.index }}
        {{- ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
),
{%- for i in range(1, iterations + 1) %}

-- step {{ i }}: each pattern's probability of being a match under step {{ i - 1 }}'s parameters
{{ s }}_likelihoods_{{ i }} as (
    select
        patterns.*,
        params.match_share * {{ identity_likelihood('params.m', 'patterns') }} as match_likelihood,
        (1 - params.match_share) * patterns.u_likelihood as non_match_likelihood
    from {{ s }}_patterns as patterns
    cross join {{ s }}_params_{{ i - 1 }} as params
),

{{ s }}_posteriors_{{ i }} as (
    select
        *,
        match_likelihood / (match_likelihood + non_match_likelihood) as match_probability
    from {{ s }}_likelihoods_{{ i }}
),

-- the expected matches: in all, and at each level of each field the session learns
{{ s }}_sums_{{ i }} as (
    select
        {%- for c in comparisons if c.field not in session.blocked_fields %}
        {%- for level in c.levels %}
        {%- set expected = 'case when gamma_' ~ c.field ~ ' = ' ~ loop.index
            ~ ' then pair_count * match_probability else 0 end' %}
        {{ exact_sum(expected) }} as matches_{{ c.field }}_{{ loop.index }},
        {%- endfor %}
        {%- endfor %}
        {{ exact_sum('pair_count * match_probability') }} / sum(pair_count) as match_share
    from {{ s }}_posteriors_{{ i }}
),

-- each level's share of the expected matches that have the field (a half match added to every
-- level, so a level never seen is unlikely, not impossible)
{{ s }}_params_{{ i }} as {{ identity_step_cte(one_row=true) }}(
    select
        coalesce(match_share, {{ initial_share_sql }}) as match_share,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- set field = c.field %}
        {%- for level in c.levels %}
        {%- if field in session.blocked_fields %}
        {{ identity_initial_m(loop.index, c.levels | length) }}
        {%- else %}
        coalesce(
            (matches_{{ field }}_{{ loop.index }} + cast({{ pseudo_count }} as {{ type_double() }}))
            / (
                {%- for other in c.levels %}
                {{ '+ ' if not loop.first }}matches_{{ field }}_{{ loop.index }}
                {%- endfor %}
                + cast({{ pseudo_count * c.levels | length }} as {{ type_double() }})
            ),
            {{ identity_initial_m(loop.index, c.levels | length) }}
        )
        {%- endif %} as m_{{ field }}_{{ loop.index }}
        {{- ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from {{ s }}_sums_{{ i }}
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
)

select * from m_probabilities
