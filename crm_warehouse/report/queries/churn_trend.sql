select
    calendar_month,
    customers_at_start,
    churned_customers,
    churn_rate
from marts.churn_summary
order by calendar_month
