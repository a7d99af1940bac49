-- One row per customer in the profitability population: ABC class on the configured value,
-- strategic and loss-making flags, RFM scores and the named RFM segment, lifecycle stage and
-- tenure band, as of the as-of date. The as-of slice of the customer-state grid.
with

state as (
    select * from {{ ref('int_customer_state__as_of_slice') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    state.abc_value_metric,
    state.abc_value,
    state.value_rank,
    state.running_share,
    state.abc_class,
    state.is_strategic,
    state.is_loss_making,
    state.profit_decile,
    state.recency_days,
    state.order_count as frequency,
    state.revenue as monetary,
    state.recency_score,
    state.frequency_score,
    state.monetary_score,
    state.frequency_monetary_score,
    state.rfm_code,
    state.rfm_segment,
    state.lifecycle_stage,
    state.tenure_band
from state
where state.is_in_window
