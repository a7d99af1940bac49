-- Each person's records numbered, so an order or a contact can pick one of them uniformly.
create table ranked_records as
select
    person_id,
    row_number() over (partition by person_id order by record_no) as record_rank,
    count(*) over (partition by person_id) as record_count,
    customer_id,
    source_system
from customers_out
