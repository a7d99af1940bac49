-- Which records are linked, directly or through others, by merged pairs (decision `match` or
-- `must_link`): the connected components, found by `identity_max_passes` passes of label
-- propagation (each record takes the smallest record id among itself and its neighbours, once
-- per pass; a record without a merged pair is a component of its own).
-- int_customer_identity__resolved cuts a component that joins different people.
{%- set passes = var('identity_max_passes') | int %}

with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

merged_pairs as (
    select
        record_id_a,
        record_id_b
    from match_pairs
    where decision in ('match', 'must_link')
),

-- only records with a merged pair are propagated; every other record is a component of its own
linked_records as (
    select record_id_a as record_id from merged_pairs
    union
    select record_id_b as record_id from merged_pairs
),

{{ label_propagation('labels', 'linked_records', 'merged_pairs', passes) }}

select
    records.record_id,
    coalesce(labels_{{ passes }}.label, records.record_id) as component_label
from records
left join labels_{{ passes }} on records.record_id = labels_{{ passes }}.record_id
