-- The orders of every window: dated by the seasonal calendar within the window, with a time
-- of day, a line count, whether it is a return, the customer record that placed it and the
-- channel.
create table orders as
with placed as (
    -- o: a unique order key (window in the high bits, order within it in the low bits)
    select
        w.*,
        (w.window_seq * 16777216 + j.j) as o
    from window_orders as w
    cross join lateral (select unnest(range(w.order_count)) as j) as j
),

targeted as (
    select
        placed.*,
        cs.cum_weight_before + u('order_day', placed.o) * (ce.cum_weight - cs.cum_weight_before) as day_target
    from placed
    inner join calendar as cs on placed.start_offset = cs.day_offset
    inner join calendar as ce on placed.end_offset = ce.day_offset
),

dated as (
    -- the bucket's day can lie one day outside a window at its edges: clamp
    select
        t.*,
        date '{{ start_date }}' + greatest(t.start_offset, least(t.end_offset, c.day_offset)) as business_date
    from targeted as t
    inner join calendar_buckets as c
        on
            least(floor(t.day_target / {{ total_weight }} * {{ calendar_buckets }}), {{ calendar_buckets - 1 }})::int
            = c.bucket
),

described as (
    select
        d.o,
        d.person_id,
        d.customer_type,
        d.business_date,
        d.business_date + interval 8 hour + to_seconds(floor(u('order_time', d.o) * 46800)::bigint)
            as transaction_at,
        1 + least(floor(-1.6 * ln(1 - u('order_lines', d.o))), 9)::int as line_count,
        u('order_return', d.o) < d.return_rate as is_return,
        u('order_record', d.o) as record_draw,
        u('order_cut', d.o) as cut_key
    from dated as d
)

select
    d.o,
    floor(d.cut_key * 4096)::int as cut_bucket,
    d.cut_key,
    d.person_id,
    d.customer_type,
    d.business_date,
    d.transaction_at,
    d.line_count,
    d.is_return,
    r.customer_id,
    r.source_system,
    case
        when u('channel_noise', d.o) < {{ shares.channel_off_system }} then {{ pick(channels, 'channel', 'd.o') }}
        else case r.source_system
                {%- for system in source_systems %} when
                    '{{ system[0] }}'
                    then '{{ system[2] }}'{% endfor %}
            end
    end as channel
from described as d
inner join ranked_records as r
    on d.person_id = r.person_id and 1 + floor(d.record_draw * r.record_count)::int = r.record_rank
