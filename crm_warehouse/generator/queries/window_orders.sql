-- Orders per person window: its share of the spend weight (spend propensity x window length,
-- plus a floor so one-day customers still buy) times the orders needed, rounded up or down at
-- random so the expectation is exact.
create table window_orders as
with weighted as (
    select
        row_number() over (order by w.person_id, w.window_no) as window_seq,
        w.person_id,
        w.start_offset,
        w.end_offset,
        p.customer_type,
        p.return_rate,
        p.spend_propensity * (w.end_offset - w.start_offset + 45) as weight
    from person_windows as w
    inner join persons as p on w.person_id = p.person_id
),

expected as (
    select
        *,
        {{ n_orders }} * weight / sum(weight) over () as expected_orders
    from weighted
)

select
    * exclude (weight, expected_orders),
    (
        floor(expected_orders)
        + (u('order_rounding', window_seq) < expected_orders - floor(expected_orders))::int
    )::int as order_count
from expected
