select
    abc_class,
    lifecycle_stage,
    channel,
    customer_count,
    cell_customer_count,
    order_count,
    revenue,
    revenue_share,
    cost_to_serve,
    cost_to_serve_per_order,
    cost_to_serve_share_of_revenue
from marts.channel_mix
order by abc_class asc, lifecycle_stage asc, channel asc
