-- Which resolved customer each source-system record belongs to, and the rule that linked it.
with

resolved as (
    select * from {{ ref('int_customer_identity__resolved') }}
)

select
    source_system,
    customer_id,
    customer_key,
    match_rule,
    component_record_count as customer_record_count
from resolved
