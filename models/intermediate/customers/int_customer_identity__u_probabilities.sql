-- u probabilities: how often two different people agree at each level of each field by chance,
-- counted on about `identity_u_sample_pairs` record pairs drawn at random (deterministically, by
-- a hash of the record ids) among about as many records; random pairs are almost all of
-- different people. The counts start from a weak prior, as if `prior_pairs` pairs had agreed
-- at each level one time in a thousand but at `different` (and the address's `moved`, in equal
-- parts), what two strangers mostly are: a level never seen is unlikely, not impossible, and a
-- business with a handful of records (whose few random pairs may all be one person) still gets
-- weights that mean something.
{%- set comparisons = identity_comparisons() %}
{%- set offsets = 10 %}
{%- set prior_pairs = 1000 %}
{%- set prior_share = 0.001 %}
{%- set sample_records = var('identity_u_sample_pairs') | int %}
{%- set hash_digits = 4 %}

with

all_records as {{ identity_inline_cte() }}(
    select * from {{ ref('int_customer_identity__records') }}
),

-- the share of the records the pairs are drawn among: all of them up to
-- identity_u_sample_pairs records, else those whose hash falls below a threshold that keeps
-- about that many (its first `hash_digits` hex digits, compared as text), so a big warehouse
-- sorts a sample of its records, not all of them
sample_threshold as (
    select
        case
            when count(*) <= {{ sample_records }} then 'g'
            else {{ hex_digits('floor(' ~ sample_records ~ ' * ' ~ 16 ** hash_digits ~ '.0 / count(*))', hash_digits) }}
        end as below_hash
    from all_records
),

hashed_records as (
    select
        *,
        {{ dbt.hash('record_id') }} as record_hash
    from all_records
),

records as (
    select hashed_records.*
    from hashed_records
    cross join sample_threshold
    where left(hashed_records.record_hash, {{ hash_digits }}) < sample_threshold.below_hash
),

name_alias_pairs as (
    select * from {{ ref('int_customer_identity__name_alias_pairs') }}
),

-- random pairs: the sampled records in the order of their hash, each paired with the records a
-- fixed number of places further on (offsets spread over the whole list), every stride-th
-- record only, so the sample has about identity_u_sample_pairs pairs at any size
positions as (
    select
        record_id,
        row_number() over (order by record_hash, record_id) as record_position,
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

sample_offsets as (
    {{- identity_numbers('sample_offset', offsets) }}
),

-- each sampled record with the position of its partner at every offset
sampled as (
    select
        a.record_id,
        mod(a.record_position - 1 + o.sample_offset * s.spacing, s.record_count) + 1 as partner_position
    from positions as a
    cross join sample_settings as s
    cross join sample_offsets as o
    where mod(a.record_position, s.stride) = 0
),

random_pairs as (
    select
        sampled.record_id as record_id_a,
        b.record_id as record_id_b
    from sampled
    inner join positions as b on sampled.partner_position = b.record_position
    where sampled.record_id <> b.record_id
),

{{ identity_compared_pairs('random', 'random_pairs') }},

counted as (
    select
        count(*) as sample_pair_count,
        {%- for c in comparisons %}
        {%- set outer_loop = loop %}
        {%- for level in c.levels %}
        {%- set bulk = c.levels | select('in', ['moved', 'different']) | list %}
        {%- set different_share = (1 - prior_share * (c.levels | length - bulk | length)) / bulk | length %}
        {%- set prior_count = prior_pairs * (different_share if level in bulk else prior_share) %}
        (
            sum(case when gamma_{{ c.field }} = {{ loop.index }} then 1 else 0 end)
            + cast({{ prior_count }} as {{ type_double() }})
        )
        / (
            sum(case when gamma_{{ c.field }} > 0 then 1 else 0 end)
            + cast({{ prior_pairs }} as {{ type_double() }})
        ) as u_{{ c.field }}_{{ loop.index }}{{ ',' if not (outer_loop.last and loop.last) }}{% endfor %}{% endfor %}
    from random_compared
),

levels as (
    {%- for c in comparisons %}
    {%- set outer_loop = loop %}
    {%- for level in c.levels %}
    select
        '{{ c.field }}' as field_name,
        {{ loop.index }} as level_code
    {{- '\n    union all' if not (outer_loop.last and loop.last) }}
    {%- endfor %}
    {%- endfor %}
)

select
    levels.field_name,
    levels.level_code,
    cast(
        case
            {%- for c in comparisons %}
            {%- set outer_loop = loop %}
            {%- for level in c.levels %}
            when levels.field_name = '{{ c.field }}' and levels.level_code = {{ loop.index }}
                then counted.u_{{ c.field }}_{{ loop.index }}
            {%- endfor %}
            {%- endfor %}
        end as {{ type_double() }}
    ) as u_probability,
    counted.sample_pair_count
from levels
cross join counted
