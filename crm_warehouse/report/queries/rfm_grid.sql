select
    recency_score,
    frequency_monetary_score,
    count(*) as customer_count,
    min(rfm_segment) as rfm_segment
from marts.customer_segments
group by recency_score, frequency_monetary_score
order by recency_score, frequency_monetary_score
