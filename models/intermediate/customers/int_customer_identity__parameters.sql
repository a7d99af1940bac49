-- The identity model's parameters, one row per field and level: m
-- (int_customer_identity__m_probabilities, learned by EM), u
-- (int_customer_identity__u_probabilities, from random pairs) and the match weight log2(m / u),
-- what agreeing at that level adds to the log2 odds that two records are one person; and the
-- prior, the share of all record pairs that may be compared (same customer type) that are one
-- person, learned by EM with m and u fixed. The prior is of all pairs, not of the candidate
-- pairs, because u is of random pairs: it is what makes a shared name weaker evidence among a
-- million records than among a thousand.
{#- Spark: the unrolled steps nest deeper than its analyzer's 100 passes -#}
{{ config(pre_hook=['set spark.sql.analyzer.maxIterations = 1000'] if target.type == 'spark' else []) }}
{%- set comparisons = identity_comparisons() %}
{%- set iterations = var('identity_em_iterations') | int %}
{%- set initial_share = var('identity_em_initial_match_share') %}
{%- set initial_share_sql = 'cast(' ~ initial_share ~ ' as ' ~ type_double() ~ ')' %}

with

comparison_patterns as (
    select * from {{ ref('int_customer_identity__comparison_patterns') }}
),

u_probabilities as (
    select * from {{ ref('int_customer_identity__u_row') }}
),

m_probabilities as (
    select * from {{ ref('int_customer_identity__m_probabilities') }}
),

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

-- the record pairs that may be compared: two records of one customer type (a record of no type
-- may pair with any); pairs that no blocking rule found are taken to be different people
type_counts as (
    select
        customer_type,
        cast(count(*) as {{ type_double() }}) as record_count
    from records
    group by customer_type
),

record_total as (
    select sum(record_count) as record_count
    from type_counts
),

comparable_pairs as (
    select
        greatest(
            sum(
                type_counts.record_count * (type_counts.record_count - 1) / 2
                + case
                    when type_counts.customer_type is null
                        then type_counts.record_count * (record_total.record_count - type_counts.record_count)
                    else 0
                end
            ),
            1
        ) as pair_count
    from type_counts
    cross join record_total
),

levels as (
    {%- for c in comparisons %}
    {%- set outer_loop = loop %}
    {%- for level in c.levels %}
    select
        '{{ c.field }}' as field_name,
        '{{ level }}' as level_name,
        {{ loop.index }} as level_code
    {{- '\n    union all' if not (outer_loop.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
),

-- the prior: EM on the share of matches among all comparable pairs, m and u fixed; the
-- expected matches are those of the candidate pairs that do not conflict
all_patterns as (
    select * from comparison_patterns
    where training_rule = 'all_pairs'
),

pattern_bayes_factors as {{ identity_step_cte() }}(
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

prior_0 as {{ identity_step_cte(one_row=true) }}(
    select {{ initial_share_sql }} as match_share
),
{%- for i in range(1, iterations + 1) %}

prior_{{ i }} as {{ identity_step_cte(one_row=true) }}(
    select
        coalesce(
            {%- set share = 'prior_' ~ (i - 1) ~ '.match_share' %}
            {{ exact_sum(
                'pattern_bayes_factors.pair_count * ' ~ share ~ ' * pattern_bayes_factors.bayes_factor / ('
                ~ share ~ ' * pattern_bayes_factors.bayes_factor + 1 - ' ~ share ~ ')'
            ) }} / min(comparable_pairs.pair_count),
            {{ initial_share_sql }}
        ) as match_share
    from pattern_bayes_factors
    cross join prior_{{ i - 1 }}
    cross join comparable_pairs
),
{%- endfor %}

parameters as (
    select
        levels.field_name,
        levels.level_name,
        levels.level_code,
        cast(
            case
                {%- for c in comparisons %}
                {%- set outer_loop = loop %}
                {%- for level in c.levels %}
                when levels.field_name = '{{ c.field }}' and levels.level_code = {{ loop.index }}
                    then m_probabilities.m_{{ c.field }}_{{ loop.index }}
                {%- endfor %}
                {%- endfor %}
            end as {{ type_double() }}
        ) as m_probability,
        cast(
            case
                {%- for c in comparisons %}
                {%- set outer_loop = loop %}
                {%- for level in c.levels %}
                when levels.field_name = '{{ c.field }}' and levels.level_code = {{ loop.index }}
                    then u_probabilities.u_{{ c.field }}_{{ loop.index }}
                {%- endfor %}
                {%- endfor %}
            end as {{ type_double() }}
        ) as u_probability
    from levels
    cross join m_probabilities
    cross join u_probabilities
    union all
    {%- for c in comparisons %}
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
        'match_share_of_record_pairs' as level_name,
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
