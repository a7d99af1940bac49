select
    acquisition_cohort_month,
    months_since_acquisition,
    cohort_size,
    active_customers,
    retention_rate
from marts.cohort_retention
order by acquisition_cohort_month, months_since_acquisition
