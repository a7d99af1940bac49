-- Which source system delivers the bad rows: one row per source system and data-quality rule
-- (every rule of data_quality_scorecard), with the source's rows checked and failing, its
-- failing share, and its share of all the rule's failures across sources. A steward sorts by
-- share_of_rule_failures to see where a fix at the source pays most.
with

rule_counts as (
    select * from {{ ref('int_quality__rule_counts_by_source') }}
),

with_totals as (
    select
        rule_counts.*,
        sum(rule_counts.rows_failing) over (partition by rule_counts.table_name, rule_counts.rule_name)
            as rule_rows_failing
    from rule_counts
)

select
    source_system,
    table_name,
    rule_name,
    rule_description,
    checked_unit,
    rows_checked,
    rows_failing,
    case
        when rows_checked = 0 then cast(0 as {{ type_double() }})
        else cast(rows_failing as {{ type_double() }}) / rows_checked
    end as failing_share,
    case
        when rule_rows_failing > 0 then cast(rows_failing as {{ type_double() }}) / rule_rows_failing
    end as share_of_rule_failures
from with_totals
