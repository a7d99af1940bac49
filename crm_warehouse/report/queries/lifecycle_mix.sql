select
    lifecycle_stage,
    count(*) as customer_count
from marts.customer_lifecycle
group by lifecycle_stage
order by lifecycle_stage
