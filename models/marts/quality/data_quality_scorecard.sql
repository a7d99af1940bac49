-- One row per data-quality rule: the table it checks, rows checked, rows failing and the
-- failing share, as of this build. Analysts read it to judge how far to trust the data. The
-- rules are counted per source system in int_quality__rule_counts_by_source (their one home);
-- this is their sum over the source systems, data_quality_by_source_system the breakdown.
with

rule_counts as (
    select * from {{ ref('int_quality__rule_counts_by_source') }}
),

rules as (
    select
        rule_order,
        table_name,
        rule_name,
        rule_description,
        checked_unit,
        sum(rows_checked) as rows_checked,
        sum(rows_failing) as rows_failing
    from rule_counts
    group by rule_order, table_name, rule_name, rule_description, checked_unit
)

select
    table_name,
    rule_name,
    rule_description,
    checked_unit,
    cast(rows_checked as bigint) as rows_checked,
    cast(rows_failing as bigint) as rows_failing,
    case
        when rows_checked = 0 then cast(0 as {{ type_double() }})
        else cast(rows_failing as {{ type_double() }}) / rows_checked
    end as failing_share
from rules
