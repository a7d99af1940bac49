-- Where to invest before the ABC classes notice: today's C customers whose predicted CLV is
-- above the predicted CLV of today's median A customer, with the A and C medians for scale.

with

clv as (
    select * from {{ ref('customer_lifetime_value') }}
),

median_a as (
    select median(predicted_clv) as median_a_predicted_clv
    from clv
    where current_abc_class = 'A'
)

select
    count(*) filter (where clv.current_abc_class = 'C') as c_customers,
    count(*) filter (
        where clv.current_abc_class = 'C' and clv.predicted_clv > median_a.median_a_predicted_clv
    ) as c_customers_above_median_a,
    any_value(median_a.median_a_predicted_clv) as median_a_predicted_clv,
    median(clv.predicted_clv) filter (where clv.current_abc_class = 'C') as median_c_predicted_clv
from clv
cross join median_a
