select
    profit_decile,
    customer_count,
    revenue,
    cost_to_serve,
    net_profit,
    net_profit_share
from marts.profitability_deciles
order by profit_decile
