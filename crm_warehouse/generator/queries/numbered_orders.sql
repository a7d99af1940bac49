-- Transaction ids in time order, and each order's first line number in the file. Running
-- totals over tens of millions of rows are split into per-day partitions plus a small running
-- total over the days: DuckDB runs partitioned windows in parallel, an unpartitioned one serially.
create table numbered_orders as
with day_totals as (
    select
        business_date,
        coalesce(
            sum(count(*)) over (order by business_date rows between unbounded preceding and 1 preceding), 0
        ) as orders_before_day,
        coalesce(
            sum(sum(line_count)) over (order by business_date rows between unbounded preceding and 1 preceding), 0
        ) as lines_before_day
    from kept_orders
    group by business_date
),

ranked as (
    select
        k.*,
        d.orders_before_day
        + row_number() over (partition by k.business_date order by k.transaction_at, k.o) as order_seq,
        d.lines_before_day + coalesce(
            sum(k.line_count) over (
                partition by k.business_date
                order by k.transaction_at, k.o rows between unbounded preceding and 1 preceding
            ),
            0
        ) as first_line_idx
    from kept_orders as k
    inner join day_totals as d on k.business_date = d.business_date
)

select
    * exclude (order_seq),
    'T' || lpad(order_seq::varchar, 10, '0') as transaction_id
from ranked;

drop table kept_orders
