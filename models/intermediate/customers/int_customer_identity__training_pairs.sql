-- The record pairs each training rule (`identity_training_rules`) trains the m probabilities on,
-- compared (a level per field) and marked when they conflict. They are drawn here, not taken
-- from the candidate pairs: a broad rule (same birth date) may find candidates only in small
-- blocks (its `max_block_records`, and at 10M records in none), but it trains on all its
-- blocks. A block (records sharing the rule's keys) keeps at most `identity_max_block_records`
-- of its records (the first in the order of a hash of their ids: a random sample of a big
-- block's strangers); then whole blocks are sampled, every stride-th in the order of a hash of
-- their keys, down to about `identity_training_sample_pairs` drawn pairs, so training costs
-- the same at any size. Drawn pairs of two customer types are not compared, and conflicting
-- ones are left out of training (int_customer_identity__comparison_patterns), so EM learns
-- from fewer. A pair two rules draw is a row of each.
{%- set sessions = identity_training_sessions() %}
{%- set max_records = var('identity_max_block_records') %}
{%- set sample_pairs = 'cast(' ~ var('identity_training_sample_pairs') | int ~ ' as ' ~ type_double() ~ ')' %}

with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

name_alias_pairs as (
    select * from {{ ref('int_customer_identity__name_alias_pairs') }}
),
{%- for session in sessions %}
{%- set keys = session['keys'] %}
{%- set key_text = [] %}
{%- for key in keys %}{% if not loop.first %}{% do key_text.append("'|'") %}{% endif %}
{%- do key_text.append('cast(' ~ key ~ ' as ' ~ dbt.type_string() ~ ')') %}
{%- endfor %}

{{ session.rule }}_members as (
    select
        record_id,
        customer_type,
        {{ keys | join(', ') }},
        row_number() over (
            partition by {{ keys | join(', ') }} order by {{ dbt.hash('record_id') }}, record_id
        ) as member_position
    from records
    where
        {%- for key in keys %}
        {{ 'and ' if not loop.first }}{{ key }} is not null{% endfor %}
),

{{ session.rule }}_blocks as (
    select
        {{ keys | join(', ') }},
        count(*) as block_records,
        row_number() over (order by {{ dbt.hash(dbt.concat(key_text)) }}, {{ keys | join(', ') }})
            as block_position
    from {{ session.rule }}_members
    where member_position <= {{ max_records }}
    group by {{ keys | join(', ') }}
    having count(*) >= 2
),

{{ session.rule }}_stride as (
    select
        cast(
            greatest(
                1,
                ceiling(sum(block_records * (block_records - 1) / 2) / {{ sample_pairs }})
            ) as bigint
        ) as stride
    from {{ session.rule }}_blocks
),

{{ session.rule }}_training_pairs as (
    select
        '{{ session.rule }}' as training_rule,
        a.record_id as record_id_a,
        b.record_id as record_id_b
    from {{ session.rule }}_blocks as blocks
    cross join {{ session.rule }}_stride as sampling
    inner join {{ session.rule }}_members as a
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = a.{{ key }}{% endfor %}
            and a.member_position <= {{ max_records }}
    inner join {{ session.rule }}_members as b
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = b.{{ key }}{% endfor %}
            and b.member_position <= {{ max_records }}
    where
        mod(blocks.block_position - 1, sampling.stride) = 0
        and a.record_id < b.record_id
        and coalesce(a.customer_type = b.customer_type, true)
),
{%- endfor %}

training_pairs as (
    {%- for session in sessions %}
    select * from {{ session.rule }}_training_pairs
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

{{ identity_compared_pairs('training', 'training_pairs', ['training_rule']) }}

select
    training_rule,
    record_id_a,
    record_id_b,
    {{ identity_conflict() }} as is_conflicting,
    {{ identity_gamma_names() }}
from training_compared
