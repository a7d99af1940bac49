-- The service policy per ABC class (seed service_level_policy) against what the class earns:
-- the policy's cost over the profitability window next to the class's net profit, and its
-- cost over the CLV horizon next to the class's predicted value. A class whose service costs
-- more than it earns is flagged. Classes without a policy row get no budget (and are flagged
-- by a test of the seed, which must cover A, B and C).
{%- set window_years = (var('profitability_window_months') | int) / 12 %}
{%- set horizon_years = (var('clv_horizon_months') | int) / 12 %}

with

economics as (
    select * from {{ ref('segment_economics') }}
),

policy as (
    select * from {{ ref('service_level_policy') }}
),

predicted as (
    select
        current_abc_class as abc_class,
        sum(predicted_clv) as predicted_clv
    from {{ ref('customer_lifetime_value') }}
    group by current_abc_class
),

costed as (
    select
        economics.abc_class,
        economics.as_of_date,
        policy.service_level,
        policy.contact_channel,
        policy.annual_budget_per_customer,
        economics.customer_count,
        economics.net_profit,
        predicted.predicted_clv,
        economics.customer_count * policy.annual_budget_per_customer * {{ window_years }} as window_policy_cost,
        economics.customer_count * policy.annual_budget_per_customer * {{ horizon_years }} as horizon_policy_cost
    from economics
    left join policy on economics.abc_class = policy.abc_class
    left join predicted on economics.abc_class = predicted.abc_class
)

select
    abc_class,
    as_of_date,
    service_level,
    contact_channel,
    cast(annual_budget_per_customer as decimal(18, 2)) as annual_budget_per_customer,
    customer_count,
    net_profit,
    cast(window_policy_cost as decimal(38, 2)) as window_policy_cost,
    cast(net_profit - window_policy_cost as decimal(38, 2)) as net_profit_after_policy,
    cast(predicted_clv as decimal(38, 2)) as predicted_clv,
    cast(horizon_policy_cost as decimal(38, 2)) as horizon_policy_cost,
    window_policy_cost > net_profit as is_policy_cost_above_net_profit,
    coalesce(horizon_policy_cost > predicted_clv, false) as is_policy_cost_above_predicted_value
from costed
