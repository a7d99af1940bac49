-- Every customer record mapped to one resolved customer.
-- 1. Matches are transitive: the connected components of the merged pairs
--    (int_customer_identity__components).
-- 2. Chain guard: a component that holds two clearly different people or a `cannot_link`
--    pair (int_customer_identity__component_conflicts) loses
--    its weakest links: its pairs are merged again without the weakest, then without the two
--    weakest distinct weights, and so on (at most `identity_chain_max_cuts` times), until no
--    such two records share a part; `must_link` pairs are never cut. One that cannot be
--    parted is flagged.
-- The customer key is a hash of the smallest record id of the final component, so it does not
-- depend on row order and stays the same on every rebuild of the same records.
{%- set passes = var('identity_max_passes') | int %}
{%- set max_cuts = var('identity_chain_max_cuts') | int %}

with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

component_labels as (
    select * from {{ ref('int_customer_identity__components') }}
),

component_conflicts as (
    select * from {{ ref('int_customer_identity__component_conflicts') }}
),

merged_pairs as (
    select
        record_id_a,
        record_id_b,
        decision,
        -- a reviewed must_link is never cut
        case when decision = 'must_link' then 1e9 else match_weight end as link_weight,
        agreeing_fields
    from match_pairs
    where decision in ('match', 'must_link')
),

components as (
    select
        record_id,
        component_label as label
    from component_labels
),

conflicting_members as (
    select
        component_label as label,
        record_id_a,
        record_id_b
    from component_conflicts
),

conflicted_records as (
    select
        record_id,
        label as component_label
    from components
    where label in (select conflicting_members.label from conflicting_members)
),

-- the pairs of those components, weakest first (1 = the lowest weight of its component)
conflicted_pairs as (
    select
        merged_pairs.record_id_a,
        merged_pairs.record_id_b,
        merged_pairs.decision,
        dense_rank() over (
            partition by conflicted_records.component_label order by merged_pairs.link_weight
        ) as weakness_rank
    from merged_pairs
    inner join conflicted_records on merged_pairs.record_id_a = conflicted_records.record_id
),
{%- for cut in range(1, max_cuts + 1) %}

cut_{{ cut }}_pairs as (
    select
        record_id_a,
        record_id_b
    from conflicted_pairs
    where weakness_rank > {{ cut }} or decision = 'must_link'
),

{{ label_propagation('cut_' ~ cut ~ '_labels', 'conflicted_records', 'cut_' ~ cut ~ '_pairs', passes) }},

cut_{{ cut }}_still_joined as (
    select distinct conflicting_members.label as component_label
    from conflicting_members
    inner join cut_{{ cut }}_labels_{{ passes }} as la on conflicting_members.record_id_a = la.record_id
    inner join cut_{{ cut }}_labels_{{ passes }} as lb on conflicting_members.record_id_b = lb.record_id
    where la.label = lb.label
),

-- components where no conflicting two records share a part after this cut
cut_{{ cut }}_parted as (
    select conflicted.component_label
    from (select distinct component_label from conflicted_records) as conflicted
    left join cut_{{ cut }}_still_joined
        on conflicted.component_label = cut_{{ cut }}_still_joined.component_label
    where cut_{{ cut }}_still_joined.component_label is null
),
{%- endfor %}

final_labels as (
    select
        components.record_id,
        case
            when conflicted_records.record_id is null then components.label
            {%- for cut in range(1, max_cuts + 1) %}
            when cut_{{ cut }}_parted.component_label is not null then cut_{{ cut }}_labels.label
            {%- endfor %}
            else cut_{{ max_cuts }}_labels.label
        end as label,
        conflicted_records.record_id is not null as is_chain_split,
        conflicted_records.record_id is not null
        {%- for cut in range(1, max_cuts + 1) %}
        and cut_{{ cut }}_parted.component_label is null
        {%- endfor %} as has_unresolved_conflict
    from components
    left join conflicted_records on components.record_id = conflicted_records.record_id
    {%- for cut in range(1, max_cuts + 1) %}
    left join cut_{{ cut }}_parted
        on conflicted_records.component_label = cut_{{ cut }}_parted.component_label
    left join cut_{{ cut }}_labels_{{ passes }} as cut_{{ cut }}_labels
        on conflicted_records.record_id = cut_{{ cut }}_labels.record_id
    {%- endfor %}
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
