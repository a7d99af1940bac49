select
    match_rule,
    count(*) as record_count,
    count(distinct customer_key) as customer_count
from marts.customer_identity_map
group by match_rule
order by record_count desc
