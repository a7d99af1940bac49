-- The chain guard's trial cuts. A component that holds two clearly different people or a
-- `cannot_link` pair (int_customer_identity__component_conflicts) is merged again from its
-- pairs without their weakest distinct weight, then without the two weakest, and so on up to
-- `identity_chain_max_cuts`; `must_link` pairs are never cut. One row per cut and record of
-- such a component: the part the record is in after that cut (its smallest record id), found
-- by `identity_max_passes` passes of label propagation over every cut at once.
-- int_customer_identity__resolved keeps each component's fewest cuts that part its conflicts.
{%- set passes = var('identity_max_passes') | int %}
{%- set max_cuts = var('identity_chain_max_cuts') | int %}

with

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

components as (
    select * from {{ ref('int_customer_identity__components') }}
),

component_conflicts as (
    select * from {{ ref('int_customer_identity__component_conflicts') }}
),

conflicted_records as (
    select
        record_id,
        component_label
    from components
    where component_label in (select component_conflicts.component_label from component_conflicts)
),

-- the merged pairs of those components, weakest first (1 = the lowest weight of its component)
conflicted_pairs as (
    select
        match_pairs.record_id_a,
        match_pairs.record_id_b,
        match_pairs.decision,
        dense_rank() over (
            partition by conflicted_records.component_label
            order by {{ identity_link_weight('match_pairs.decision', 'match_pairs.match_weight') }}
        ) as weakness_rank
    from match_pairs
    inner join conflicted_records on match_pairs.record_id_a = conflicted_records.record_id
    where match_pairs.decision in ('match', 'must_link')
),

cuts as (
    {{- identity_numbers('cut', max_cuts) }}
),

cut_records as (
    select
        cuts.cut,
        conflicted_records.record_id
    from conflicted_records
    cross join cuts
),

-- cut n: all but the n weakest distinct weights
cut_pairs as (
    select
        cuts.cut,
        conflicted_pairs.record_id_a,
        conflicted_pairs.record_id_b
    from conflicted_pairs
    inner join cuts on conflicted_pairs.weakness_rank > cuts.cut or conflicted_pairs.decision = 'must_link'
),

{{ label_propagation('cut_labels', 'cut_records', 'cut_pairs', passes, within='cut') }}

select
    cut_labels_{{ passes }}.cut,
    conflicted_records.component_label,
    cut_labels_{{ passes }}.record_id,
    cut_labels_{{ passes }}.label as part_label
from cut_labels_{{ passes }}
inner join conflicted_records on cut_labels_{{ passes }}.record_id = conflicted_records.record_id
