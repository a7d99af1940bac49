-- Which records are linked, directly or through others, by merged pairs (decision `match` or
-- `must_link`): the connected components, found by `identity_max_passes` passes of label
-- propagation (each record takes the smallest record id among itself and its neighbours, once
-- per pass). int_customer_identity__resolved cuts a component that joins different people.
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

{{ label_propagation('labels', 'records', 'merged_pairs', passes) }}

select
    record_id,
    label as component_label
from labels_{{ passes }}
