select
    rfm_segment,
    count(*) as customer_count
from marts.customer_segments
group by rfm_segment
order by customer_count desc, rfm_segment asc
