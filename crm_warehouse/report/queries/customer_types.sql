select
    customer_type,
    customer_count,
    customer_share,
    revenue,
    net_profit,
    net_profit_share,
    cost_to_serve,
    cost_to_serve_per_customer,
    cost_to_serve_share_of_revenue,
    loss_making_customer_count
from marts.economics_by_customer_type
order by customer_type
