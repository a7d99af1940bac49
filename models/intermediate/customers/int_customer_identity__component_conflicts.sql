-- Every two records of one component that cannot be one person: they conflict (the rules of
-- identity_conflict, checked on every two records of a component, not only on the pairs the
-- blocking found) or a data steward decided `cannot_link`. int_customer_identity__resolved cuts
-- these components apart.
with

records as (
    select * from {{ ref('int_customer_identity__records') }}
),

components as (
    select * from {{ ref('int_customer_identity__components') }}
),

match_pairs as (
    select * from {{ ref('int_customer_identity__match_pairs') }}
),

name_alias_pairs as (
    select * from {{ ref('int_customer_identity__name_alias_pairs') }}
),

component_members as (
    select
        records.*,
        components.component_label as label
    from records
    inner join components on records.record_id = components.record_id
    where
        components.component_label in (
            select multi.component_label
            from components as multi
            group by multi.component_label
            having count(*) > 1
        )
),

-- materialized on PostgreSQL, which would otherwise copy each similarity into every use above
member_pairs as {{ identity_step_cte() }}(
    select
        a.label,
        {{ identity_pair_columns('a', 'b') }}
    from component_members as a
    inner join component_members as b on a.label = b.label and a.record_id < b.record_id
    {{ identity_aligned_pair_joins('a', 'b') }}
),

member_aligned as (
    select
        {{- identity_aligned_columns(['label']) }}
    from member_pairs
),

member_compared as (
    select
        *,
        {{ identity_gamma_columns() }}
    from member_aligned
),

conflicting as (
    select
        label as component_label,
        record_id_a,
        record_id_b
    from member_compared
    where {{ identity_conflict() }}
    union
    select
        components.component_label,
        match_pairs.record_id_a,
        match_pairs.record_id_b
    from match_pairs
    inner join components on match_pairs.record_id_a = components.record_id
    inner join components as other
        on match_pairs.record_id_b = other.record_id and components.component_label = other.component_label
    where match_pairs.decision = 'cannot_link'
)

select
    component_label,
    record_id_a,
    record_id_b
from conflicting
