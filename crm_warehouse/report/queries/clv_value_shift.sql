select
    current_abc_class,
    predicted_abc_class,
    count(*) as customer_count,
    sum(predicted_clv) as predicted_clv
from marts.customer_lifetime_value
where predicted_clv is not null
group by current_abc_class, predicted_abc_class
order by current_abc_class, predicted_abc_class
