-- Which resolved customer each source-system record belongs to, and why: the strongest pair
-- that links it to another record of its customer, with its match weight and the fields that
-- agreed.
with

resolved as (
    select * from {{ ref('int_customer_identity__resolved') }}
)

select
    source_system,
    customer_id,
    customer_key,
    match_rule,
    component_record_count as customer_record_count,
    match_weight,
    agreeing_fields,
    is_chain_split,
    has_unresolved_conflict
from resolved
