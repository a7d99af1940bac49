-- Nothing lost, nothing doubled: every raw transaction line is either a fact line or a
-- quarantined line, exactly once. Returns a row (fails) when the counts disagree.
with

raw_lines as (
    select count(*) as line_count from {{ source('crm', 'transactions') }}
),

fact_lines as (
    select count(*) as line_count from {{ ref('fct_sales') }}
),

quarantined_lines as (
    select count(*) as line_count from {{ ref('quarantine_transactions') }}
)

select
    raw_lines.line_count as raw_line_count,
    fact_lines.line_count as fact_line_count,
    quarantined_lines.line_count as quarantined_line_count
from raw_lines
cross join fact_lines
cross join quarantined_lines
where raw_lines.line_count <> fact_lines.line_count + quarantined_lines.line_count
