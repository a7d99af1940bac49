-- Every customer record mapped to one resolved customer: the connected components of the match
-- pairs (matches are transitive), found by label propagation. Each record starts with its own
-- id as label and takes the smallest label among itself and its neighbours, once per pass.
-- The customer key is a hash of the smallest record id in the component, so it does not
-- depend on row order and stays the same on every rebuild of the same records.
{%- set passes = var('identity_max_passes') | int %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

records as (
    select distinct
        source_system,
        customer_id,
        {{ customer_record_id('source_system', 'customer_id') }} as record_id
    from customers
),

-- neighbours in both directions, plus each record itself, so one join per pass suffices
neighbours as (
    select
        record_id_a as record_id,
        record_id_b as neighbour_id
    from match_pairs
    union all
    select
        record_id_b as record_id,
        record_id_a as neighbour_id
    from match_pairs
    union all
    select
        record_id,
        record_id as neighbour_id
    from records
),

labels_0 as (
    select
        record_id,
        record_id as label
    from records
),
{%- for pass in range(1, passes + 1) %}

labels_{{ pass }} as (
    select
        neighbours.record_id,
        min(labels_{{ pass - 1 }}.label) as label
    from neighbours
    inner join labels_{{ pass - 1 }} on neighbours.neighbour_id = labels_{{ pass - 1 }}.record_id
    group by neighbours.record_id
),
{%- endfor %}

best_rule_per_record as (
    select
        record_id,
        min(rule_rank) as rule_rank
    from (
        select
            match_pairs.record_id_a as record_id,
            match_pairs.rule_rank
        from match_pairs
        union all
        select
            match_pairs.record_id_b as record_id,
            match_pairs.rule_rank
        from match_pairs
    ) as record_rules
    group by record_id
),

component_sizes as (
    select
        label,
        count(*) as component_record_count
    from labels_{{ passes }}
    group by label
)

select
    records.source_system,
    records.customer_id,
    records.record_id,
    {{ dbt.hash('labels_' ~ passes ~ '.label') }} as customer_key,
    labels_{{ passes }}.label as component_label,
    component_sizes.component_record_count,
    {{ identity_rule_name('best_rule_per_record.rule_rank', "'single_record'") }} as match_rule
from records
inner join labels_{{ passes }} on records.record_id = labels_{{ passes }}.record_id
inner join component_sizes on labels_{{ passes }}.label = component_sizes.label
left join best_rule_per_record on records.record_id = best_rule_per_record.record_id
