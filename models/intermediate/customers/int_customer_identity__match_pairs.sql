-- Pairs of customer records that belong to the same person, with the rule that matched them.
-- Three rules, each guarded against over-merging:
--   email: same valid email and matching names (a shared household or company mailbox
--          links records of one person, not everyone who uses it);
--   phone: same valid phone and matching names (switchboards, family landlines);
--   name_and_postal_code: same postal code and matching names (stricter similarity).
-- Names match when each of first and last name is similar and at most one typo apart.
-- Placeholders are never valid, identifiers used by very many records are generic, and a
-- B2C customer never matches a B2B or B2G contact: they are separate customer relationships.
{%- set shared_similarity = var('identity_name_similarity_with_shared_identifier') %}
{%- set postal_similarity = var('identity_name_similarity_in_postal_code') %}
{%- set max_records = var('identity_max_records_per_identifier') %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

records as (
    select distinct
        {{ customer_record_id('source_system', 'customer_id') }} as record_id,
        {{ normalise_text('first_name') }} as first_name,
        {{ normalise_text('last_name') }} as last_name,
        case when is_valid_email then email_normalised end as email,
        case when is_valid_phone then phone_normalised end as phone,
        postal_code,
        customer_type
    from customers
),

{%- for identifier in ['email', 'phone'] %}

{{ identifier }}_usage as (
    select
        {{ identifier }},
        count(distinct record_id) as record_count
    from records
    where {{ identifier }} is not null
    group by {{ identifier }}
),

{{ identifier }}_pairs as (
    select
        a.record_id as record_id_a,
        b.record_id as record_id_b,
        '{{ identifier }}' as match_rule
    from records as a
    inner join {{ identifier }}_usage as u on a.{{ identifier }} = u.{{ identifier }}
    inner join records as b on a.{{ identifier }} = b.{{ identifier }} and a.record_id < b.record_id
    where
        u.record_count <= {{ max_records }}
        and coalesce(a.customer_type = b.customer_type, true)
        and {{ names_match('a', 'b', shared_similarity, allow_missing=true) }}
),
{%- endfor %}

name_and_postal_code_pairs as (
    select
        a.record_id as record_id_a,
        b.record_id as record_id_b,
        'name_and_postal_code' as match_rule
    from records as a
    inner join records as b on a.postal_code = b.postal_code and a.record_id < b.record_id
    where
        coalesce(a.customer_type = b.customer_type, true)
        and {{ names_match('a', 'b', postal_similarity) }}
),

all_pairs as (
    select * from email_pairs
    union all
    select * from phone_pairs
    union all
    select * from name_and_postal_code_pairs
)

select
    record_id_a,
    record_id_b,
    -- the strongest rule that matched the pair (macros/identity_rules.sql: email, then phone,
    -- then name and postal code)
    min({{ identity_rule_rank('match_rule') }}) as rule_rank,
    {{ identity_rule_name('min(' ~ identity_rule_rank('match_rule') ~ ')') }} as match_rule
from all_pairs
group by record_id_a, record_id_b
