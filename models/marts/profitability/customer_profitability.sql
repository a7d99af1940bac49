-- One row per customer with a sale in the profitability window: revenue, cost of goods,
-- gross profit, cost to serve, net profit, and the profitability decile (1 = most profitable),
-- as of the as-of date. The as-of slice of the customer-state grid, where the logic lives.
with

state as (
    select * from {{ ref('int_customer_state__as_of_slice') }}
)

select
    state.customer_key,
    state.state_date as as_of_date,
    state.revenue,
    state.cogs,
    state.gross_profit,
    state.order_handling_cost,
    state.return_handling_cost,
    state.interaction_cost,
    state.cost_to_serve,
    state.net_profit,
    state.order_count,
    state.sale_line_count,
    state.return_line_count,
    state.interaction_count,
    state.distinct_product_count,
    state.return_rate,
    state.last_sale_date,
    state.profit_decile
from state
where state.is_in_window
