-- Label propagation ran enough passes: no merged pair (decision match or must_link) may end
-- up in two different customers, unless the chain guard cut its customer apart on purpose.
-- If this fails, raise the var identity_max_passes (a chain of matches is longer than it).
with

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

resolved as (
    select * from {{ ref('int_customer_identity__resolved') }}
)

select
    match_pairs.record_id_a,
    match_pairs.record_id_b,
    a.customer_key as customer_key_a,
    b.customer_key as customer_key_b
from match_pairs
inner join resolved as a on match_pairs.record_id_a = a.record_id
inner join resolved as b on match_pairs.record_id_b = b.record_id
where
    match_pairs.decision in ('match', 'must_link')
    and not a.is_chain_split
    and a.customer_key <> b.customer_key
