-- Today's C customers predicted to be worth more than today's median A customer.
with median_a as (
    select median(predicted_clv) as median_a_predicted_clv
    from marts.customer_lifetime_value
    where current_abc_class = 'A'
)

select
    count(*) filter (where clv.current_abc_class = 'C') as c_customers,
    count(*) filter (
        where clv.current_abc_class = 'C' and clv.predicted_clv > median_a.median_a_predicted_clv
    ) as c_customers_above_median_a,
    any_value(median_a.median_a_predicted_clv) as median_a_predicted_clv,
    sum(clv.predicted_clv) as total_predicted_clv
from marts.customer_lifetime_value as clv
cross join median_a
