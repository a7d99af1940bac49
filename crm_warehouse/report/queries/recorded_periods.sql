select distinct as_of_date
from marts.customer_segment_history
order by as_of_date
