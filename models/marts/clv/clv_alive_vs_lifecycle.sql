-- How the model's probability of being alive lines up with the rule-based lifecycle stage: customers
-- per lifecycle stage and P(alive) band, with the stage's mean P(alive).

with

clv as (
    select * from {{ ref('customer_lifetime_value') }}
),

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

banded as (
    select
        lifecycle.lifecycle_stage,
        clv.probability_alive,
        case
            when clv.probability_alive is null then 'not_scored'
            when clv.probability_alive < 0.25 then '0.00-0.25'
            when clv.probability_alive < 0.50 then '0.25-0.50'
            when clv.probability_alive < 0.75 then '0.50-0.75'
            else '0.75-1.00'
        end as probability_alive_band
    from clv
    inner join lifecycle on clv.customer_key = lifecycle.customer_key
)

select
    lifecycle_stage,
    probability_alive_band,
    count(*) as customer_count,
    avg(probability_alive) as mean_probability_alive,
    cast(count(*) as {{ type_double() }}) / sum(count(*)) over (partition by lifecycle_stage) as share_of_stage
from banded
group by lifecycle_stage, probability_alive_band
