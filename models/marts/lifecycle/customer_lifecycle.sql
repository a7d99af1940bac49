-- One row per customer who had bought by the as-of date: first and last purchase, tenure,
-- purchases, gaps, lifecycle stage and tenure band. Only sales up to the as-of date count, so
-- an earlier as-of date gives what the warehouse would have said that day. The as-of slice of
-- the customer-state grid, with the customer's acquisition channel and type.
with

state as (
    select * from {{ ref('int_customer_state__as_of_slice') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    state.first_purchase_date,
    state.last_purchase_date,
    state.tenure_days,
    state.tenure_months,
    state.purchase_count,
    state.purchase_day_count,
    state.recency_days,
    state.current_gap_days,
    state.longest_gap_days,
    state.lifecycle_stage,
    state.tenure_band,
    state.acquisition_cohort_month,
    customers.acquisition_channel,
    customers.customer_type
from state
inner join customers on state.customer_key = customers.customer_key
