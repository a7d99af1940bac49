-- Exactly the requested lines, cut in a random order of orders (cutting in time order would
-- end the data early): whole random buckets are kept or dropped, and only the one bucket where
-- the running total crosses the requested lines is ranked row by row.
create table kept_orders as
with bucket_totals as (
    select
        cut_bucket,
        coalesce(
            sum(sum(line_count)) over (order by cut_bucket rows between unbounded preceding and 1 preceding), 0
        ) as lines_before_bucket,
        sum(line_count) as bucket_lines
    from orders
    group by cut_bucket
),

boundary as (
    select cut_bucket
    from bucket_totals
    where lines_before_bucket < {{ n_lines }} and lines_before_bucket + bucket_lines >= {{ n_lines }}
),

whole_buckets as (
    select o.*
    from orders as o
    inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
    where b.lines_before_bucket + b.bucket_lines < {{ n_lines }}
),

boundary_orders as (
    select
        o.*,
        b.lines_before_bucket + coalesce(
            sum(o.line_count) over (order by o.cut_key, o.o rows between unbounded preceding and 1 preceding), 0
        ) as draw_line_start
    from orders as o
    inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
    where o.cut_bucket in (select boundary.cut_bucket from boundary)
)

select * from whole_buckets
union all
select
    * exclude (draw_line_start)
    replace (least(line_count, {{ n_lines }} - draw_line_start)::int as line_count)
from boundary_orders
where draw_line_start < {{ n_lines }};

drop table orders
