select
    abc_class,
    service_level,
    customer_count,
    window_policy_cost,
    net_profit,
    net_profit_after_policy,
    predicted_clv,
    horizon_policy_cost,
    is_policy_cost_above_net_profit,
    is_policy_cost_above_predicted_value
from marts.service_level_economics
order by abc_class
