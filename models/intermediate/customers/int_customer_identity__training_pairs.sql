-- The record pairs each training rule (`identity_training_rules`) trains the m probabilities on,
-- compared (a level per field) and marked when they conflict. They are drawn here, not taken
-- from the candidate pairs: a broad rule (same birth date) may find candidates only in small
-- blocks (its `max_block_records`), but it trains on every block up to
-- `identity_max_block_records` records, whole blocks sampled (in the order of a hash of their
-- keys, every stride-th block) down to about `identity_training_sample_pairs` pairs, so training
-- costs the same at any size. A pair two rules draw is a row of each.
{%- set sessions = identity_training_sessions() %}
{%- set max_records = var('identity_max_block_records') %}
{%- set sample_pairs = var('identity_training_sample_pairs') %}

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

{{ session.rule }}_blocks as (
    select
        {{ keys | join(', ') }},
        count(*) as block_records,
        row_number() over (order by {{ dbt.hash(dbt.concat(key_text)) }}, {{ keys | join(', ') }})
            as block_position
    from records
    where
        {%- for key in keys %}
        {{ 'and ' if not loop.first }}{{ key }} is not null{% endfor %}
    group by {{ keys | join(', ') }}
    having count(*) between 2 and {{ max_records }}
),

{{ session.rule }}_stride as (
    select
        cast(greatest(1, ceiling(sum(block_records * (block_records - 1) / 2) / {{ sample_pairs }}.0)) as bigint)
            as stride
    from {{ session.rule }}_blocks
),

{{ session.rule }}_training_pairs as (
    select
        '{{ session.rule }}' as training_rule,
        a.record_id as record_id_a,
        b.record_id as record_id_b
    from {{ session.rule }}_blocks as blocks
    cross join {{ session.rule }}_stride as sampling
    inner join records as a
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = a.{{ key }}{% endfor %}
    inner join records as b
        on
            {%- for key in keys %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = b.{{ key }}{% endfor %}
    where
        mod(blocks.block_position, sampling.stride) = 0
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
