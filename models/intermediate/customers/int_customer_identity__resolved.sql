-- Every customer record mapped to one resolved customer.
-- 1. Matches are transitive: the connected components of the merged pairs
--    (int_customer_identity__components).
-- 2. Chain guard: a component that holds two clearly different people or a `cannot_link`
--    pair (int_customer_identity__component_conflicts) loses its weakest links: of the trial
--    cuts (int_customer_identity__chain_cuts: without its weakest distinct weight, without the
--    two weakest, and so on up to `identity_chain_max_cuts`), the fewest after which no such
--    two records share a part are kept. One that cannot be parted keeps the last cut's parts
--    and is flagged.
-- The customer key is a hash of the smallest record id of the final component, so it does not
-- depend on row order and stays the same on every rebuild of the same records.
{%- set max_cuts = var('identity_chain_max_cuts') | int %}

with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

components as (
    select * from {{ ref('int_customer_identity__components') }}
),

component_conflicts as (
    select * from {{ ref('int_customer_identity__component_conflicts') }}
),

chain_cuts as (
    select * from {{ ref('int_customer_identity__chain_cuts') }}
),

merged_pairs as (
    select
        record_id_a,
        record_id_b,
        decision,
        {{ identity_link_weight() }} as link_weight,
        agreeing_fields
    from match_pairs
    where decision in ('match', 'must_link')
),

-- the cuts after which two conflicting records of a component still share a part
cuts_still_joined as (
    select distinct
        la.cut,
        component_conflicts.component_label
    from component_conflicts
    inner join chain_cuts as la on component_conflicts.record_id_a = la.record_id
    inner join chain_cuts as lb
        on component_conflicts.record_id_b = lb.record_id and la.cut = lb.cut
    where la.part_label = lb.part_label
),

-- each conflicted component's fewest cuts that part all its conflicts (none: not even the last)
parting_cuts as (
    select
        chain_cuts.component_label,
        min(case when cuts_still_joined.cut is null then chain_cuts.cut end) as parting_cut
    from chain_cuts
    left join cuts_still_joined
        on chain_cuts.component_label = cuts_still_joined.component_label and chain_cuts.cut = cuts_still_joined.cut
    group by chain_cuts.component_label
),

final_labels as (
    select
        components.record_id,
        coalesce(chain_cuts.part_label, components.component_label) as label,
        parting_cuts.component_label is not null as is_chain_split,
        parting_cuts.component_label is not null and parting_cuts.parting_cut is null as has_unresolved_conflict
    from components
    left join parting_cuts on components.component_label = parting_cuts.component_label
    left join chain_cuts
        on
            components.record_id = chain_cuts.record_id
            and chain_cuts.cut = coalesce(parting_cuts.parting_cut, {{ max_cuts }})
),

component_sizes as (
    select
        label,
        count(*) as component_record_count
    from final_labels
    group by label
),

-- each record's strongest pair that stayed within its customer: why it belongs there
kept_links as (
    select
        ends.record_id,
        ends.decision,
        ends.link_weight,
        ends.agreeing_fields,
        row_number() over (
            partition by ends.record_id order by ends.link_weight desc, ends.other_record_id asc
        ) as link_rank
    from (
        select
            record_id_a as record_id,
            record_id_b as other_record_id,
            decision,
            link_weight,
            agreeing_fields
        from merged_pairs
        union all
        select
            record_id_b as record_id,
            record_id_a as other_record_id,
            decision,
            link_weight,
            agreeing_fields
        from merged_pairs
    ) as ends
    inner join final_labels as own on ends.record_id = own.record_id
    inner join final_labels as other on ends.other_record_id = other.record_id
    where own.label = other.label
)

select
    records.source_system,
    records.customer_id,
    records.record_id,
    {{ dbt.hash('final_labels.label') }} as customer_key,
    final_labels.label as component_label,
    component_sizes.component_record_count,
    case
        when kept_links.decision = 'must_link' then 'must_link'
        when kept_links.decision = 'match' then 'model_match'
        else 'single_record'
    end as match_rule,
    case when kept_links.decision = 'match' then kept_links.link_weight end as match_weight,
    kept_links.agreeing_fields,
    final_labels.is_chain_split,
    final_labels.has_unresolved_conflict
from records
inner join final_labels on records.record_id = final_labels.record_id
inner join component_sizes on final_labels.label = component_sizes.label
left join kept_links on records.record_id = kept_links.record_id and kept_links.link_rank = 1
