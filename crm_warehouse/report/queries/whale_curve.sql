select
    customer_percentile,
    cumulative_customer_share,
    cumulative_net_profit_share
from marts.whale_curve
order by customer_percentile
