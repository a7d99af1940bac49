-- The pairs of customer records worth comparing, and how they compare. A pair is a candidate
-- when the two records agree on every key of at least one blocking rule
-- (`identity_blocking_rules`) in a block of at most the rule's `max_block_records` records
-- (`identity_max_block_records` when the rule gives none);
-- B2C records are never paired with B2B or B2G records. Each pair gets a level per field
-- (macros/identity/identity_model.sql), the rules that found it, and whether it is a clear conflict.
{%- set rules = identity_blocking_rules() %}

with

-- read where used, not copied (on DuckDB, which would copy a CTE read more than once): at
-- 10M records a copy of every column is gigabytes, and each rule reads only its keys (pairs
-- are found, told apart and joined on the record number)
records as {{ identity_inline_cte() }}(
    select * from {{ ref('int_customer_identity__records') }}
),

name_alias_pairs as (
    select * from {{ ref('int_customer_identity__name_alias_pairs') }}
),
{%- for rule in rules %}

{{ rule.name }}_blocks as (
    select
        {{ rule['keys'] | join(', ') }}
    from records
    where
        {%- for key in rule['keys'] %}
        {{ 'and ' if not loop.first }}{{ key }} is not null{% endfor %}
    group by {{ rule['keys'] | join(', ') }}
    having count(*) between 2 and {{ identity_rule_max_block_records(rule) }}
),

{{ rule.name }}_pairs as (
    select
        a.record_number as record_number_a,
        b.record_number as record_number_b,
        {{ loop.index }} as found_rule_rank,
        cast({{ 2 ** loop.index0 }} as bigint) as found_rule_bit
    from {{ rule.name }}_blocks as blocks
    inner join records as a
        on
            {%- for key in rule['keys'] %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = a.{{ key }}{% endfor %}
    inner join records as b
        on
            {%- for key in rule['keys'] %}
            {{ 'and ' if not loop.first }}blocks.{{ key }} = b.{{ key }}{% endfor %}
    where
        a.record_number < b.record_number
        and coalesce(a.customer_type = b.customer_type, true)
),
{%- endfor %}

found as (
    {%- for rule in rules %}
    select * from {{ rule.name }}_pairs
    {{ 'union all' if not loop.last }}
    {%- endfor %}
),

-- a pair once, with the first rule that found it and every rule that did (one bit each: a
-- rule finds a pair at most once, so the sum of the bits is their union)
pairs as (
    select
        record_number_a,
        record_number_b,
        min(found_rule_rank) as rule_rank,
        sum(found_rule_bit) as found_rules
    from found
    group by record_number_a, record_number_b
),

{{ identity_compared_pairs('candidate', 'pairs', ['rule_rank', 'found_rules'], 'record_number') }}

select
    record_id_a,
    record_id_b,
    case rule_rank
        {%- for rule in rules %}
        when {{ loop.index }} then '{{ rule.name }}'
        {%- endfor %}
    end as blocking_rule,
    {%- for rule in rules %}
    mod(cast(floor(found_rules / {{ 2 ** loop.index0 }}.0) as bigint), 2) = 1 as is_found_by_{{ rule.name }},
    {%- endfor %}
    is_name_swapped,
    {{ identity_conflict() }} as is_conflicting,
    {{ identity_gamma_names() }}
from candidate_compared
