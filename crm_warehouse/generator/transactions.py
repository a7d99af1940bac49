"""Orders and transaction lines, returns, late arrivals and planted line defects."""

from __future__ import annotations

import math

from crm_warehouse.db import one
from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.config import CALENDAR_BUCKETS, PRODUCT_BUCKETS, TRANSACTION_QUARANTINE_KINDS
from crm_warehouse.generator.sql import pick, sql_list
from crm_warehouse.generator.vocabulary import CHANNELS, SOURCE_SYSTEMS


class TransactionsBuilder(GeneratorBase):
    """Orders and transaction lines, returns, late arrivals and planted line defects."""

    def build_transactions(self) -> None:
        """Orders sampled over person windows (heavy-tailed), dated by the seasonal calendar, then lines.

        Running totals over tens of millions of rows are split into per-day (or per-block)
        partitions plus a small running total over the partitions: DuckDB runs partitioned
        windows in parallel, a single unpartitioned one serially.
        """
        n_lines = self.config.lines
        # E[line_count] = 1 + E[min(floor(Exp(1.6)), 9)] ~ 2.15; a small margin for the draw
        n_orders = int(n_lines / 2.15 * 1.01 + 6 * n_lines**0.5) + 20
        channel_case = " ".join(f"when '{s}' then '{c}'" for s, _, c, _, _ in SOURCE_SYSTEMS)
        # Each person window gets its number of orders directly: its share of the spend weight
        # (spend propensity x window length, plus a floor so one-day customers still buy)
        # times the orders needed, rounded up or down at random so the expectation is exact.
        self.sql(f"""
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
                select *, {n_orders} * weight / sum(weight) over () as expected_orders
                from weighted
            )
            select
                * exclude (weight, expected_orders),
                (
                    floor(expected_orders)
                    + (u('order_rounding', window_seq) < expected_orders - floor(expected_orders))::int
                )::int
                    as order_count
            from expected
        """)
        self.sql("""
            create table ranked_records as
            select
                person_id,
                row_number() over (partition by person_id order by record_no) as record_rank,
                count(*) over (partition by person_id) as record_count,
                customer_id,
                source_system
            from customers_out
        """)
        total_weight = one(self.con.execute("select max(cum_weight) from calendar"))[0]
        self.sql(f"""
            create table calendar_buckets as
            with buckets as (
                select b as bucket, (b + 0.5) / {CALENDAR_BUCKETS} * {total_weight!r} as midpoint
                from range({CALENDAR_BUCKETS}) as t (b)
            )
            select b.bucket, c.day_offset
            from buckets as b
            asof join calendar as c on b.midpoint <= c.cum_weight
        """)
        self.sql(f"""
            create table orders as
            with placed as (
                -- o: a unique order key (window in the high bits, order within it in the low bits)
                select w.*, (w.window_seq * 16777216 + j.j) as o
                from window_orders as w
                cross join lateral (select unnest(range(w.order_count)) as j) as j
            ),
            targeted as (
                select
                    placed.*,
                    cs.cum_weight_before + u('order_day', o) * (ce.cum_weight - cs.cum_weight_before) as day_target
                from placed
                inner join calendar as cs on placed.start_offset = cs.day_offset
                inner join calendar as ce on placed.end_offset = ce.day_offset
            ),
            dated as (
                -- the bucket's day can lie one day outside a window at its edges: clamp
                select
                    t.*,
                    date '{self.config.start_date}'
                        + greatest(t.start_offset, least(t.end_offset, c.day_offset)) as business_date
                from targeted as t
                inner join calendar_buckets as c
                    on least(floor(t.day_target / {total_weight!r} * {CALENDAR_BUCKETS}), {CALENDAR_BUCKETS - 1})::int
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
                case when u('channel_noise', d.o) < 0.15 then {pick(sql_list(CHANNELS), "channel", "d.o")}
                    else case r.source_system {channel_case} end end as channel
            from described as d
            inner join ranked_records as r
                on d.person_id = r.person_id and 1 + floor(d.record_draw * r.record_count)::int = r.record_rank
        """)
        total = one(self.con.execute("select sum(line_count) from orders"))[0]
        if total < n_lines:
            raise RuntimeError(f"internal: drew {total} lines for {n_lines} requested; raise the order margin")
        # Cut to exactly n_lines in a random order of orders (cutting in time order would end the
        # data early): whole random buckets are kept or dropped, and only the one bucket where
        # the running total crosses n_lines is ranked row by row.
        self.sql(f"""
            create table kept_orders as
            with bucket_totals as (
                select
                    cut_bucket,
                    coalesce(sum(sum(line_count)) over (order by cut_bucket rows between unbounded preceding
                        and 1 preceding), 0) as lines_before_bucket,
                    sum(line_count) as bucket_lines
                from orders
                group by cut_bucket
            ),
            boundary as (
                select cut_bucket from bucket_totals
                where lines_before_bucket < {n_lines} and lines_before_bucket + bucket_lines >= {n_lines}
            ),
            whole_buckets as (
                select o.*
                from orders as o
                inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
                where b.lines_before_bucket + b.bucket_lines < {n_lines}
            ),
            boundary_orders as (
                select
                    o.*,
                    b.lines_before_bucket + coalesce(sum(o.line_count) over (order by o.cut_key, o.o
                        rows between unbounded preceding and 1 preceding), 0) as draw_line_start
                from orders as o
                inner join bucket_totals as b on o.cut_bucket = b.cut_bucket
                where o.cut_bucket in (select boundary.cut_bucket from boundary)
            )
            select * from whole_buckets
            union all
            select * exclude (draw_line_start)
                replace (least(line_count, {n_lines} - draw_line_start)::int as line_count)
            from boundary_orders
            where draw_line_start < {n_lines}
        """)
        self.sql("drop table orders")
        self.sql("""
            create table numbered_orders as
            with day_totals as (
                select
                    business_date,
                    coalesce(sum(count(*)) over (order by business_date rows between unbounded preceding
                        and 1 preceding), 0) as orders_before_day,
                    coalesce(sum(sum(line_count)) over (order by business_date rows between unbounded preceding
                        and 1 preceding), 0) as lines_before_day
                from kept_orders
                group by business_date
            ),
            ranked as (
                select
                    k.*,
                    d.orders_before_day
                        + row_number() over (partition by k.business_date order by k.transaction_at, k.o) as order_seq,
                    d.lines_before_day + coalesce(sum(k.line_count) over (partition by k.business_date
                        order by k.transaction_at, k.o rows between unbounded preceding and 1 preceding), 0)
                        as first_line_idx
                from kept_orders as k
                inner join day_totals as d on k.business_date = d.business_date
            )
            select * exclude (order_seq), 'T' || lpad(order_seq::varchar, 10, '0') as transaction_id
            from ranked
        """)
        self.sql("drop table kept_orders")

        r = self.rates
        # Only a line after the first of an order whose line before it has no planted defect can
        # re-send that line (so a re-send is an exact copy of a trusted line: a duplicate, not a
        # correction). The duplicate band x is widened to plant the requested rate d:
        # x * (share of non-first lines) * (1 - other defect rates - x) = d.
        n_kept_orders = one(self.con.execute("select count(*) from numbered_orders"))[0]
        eligible_share = max(1e-9, 1 - n_kept_orders / n_lines)
        bands = {k: r[k] for k in TRANSACTION_QUARANTINE_KINDS}
        clean_share = 1 - sum(v for k, v in bands.items() if k != "duplicate_line_key")
        discriminant = clean_share**2 - 4 * r["duplicate_line_key"] / eligible_share
        bands["duplicate_line_key"] = min((clean_share - math.sqrt(discriminant)) / 2, 0.5) if discriminant > 0 else 0.5
        bounds, acc = [], 0.0
        for kind in TRANSACTION_QUARANTINE_KINDS:
            acc += bands[kind]
            bounds.append((kind, acc))
        total_defect_rate = acc
        defect_case = "case " + " ".join(f"when defect_u < {b:.12f} then '{k}'" for k, b in bounds) + " end"
        end_ts = f"timestamp '{self.config.end_date}'"
        # A duplicate line key is a re-delivery of the line before it in the same order. Every
        # line attribute is a pure function of (order, line index), so a re-sent row simply
        # draws its content with the previous index (content_idx) instead of its own.
        self.sql(f"""
            create table transactions_out as
            with lines as (
                select
                    o.first_line_idx + k.k as idx,
                    o.transaction_id,
                    (k.k + 1)::int as own_line_number,
                    o.o,
                    o.customer_id,
                    o.source_system,
                    o.customer_type,
                    o.transaction_at,
                    o.is_return,
                    o.channel
                from numbered_orders as o
                cross join lateral (select unnest(range(o.line_count)) as k) as k
            ),
            drawn as (
                select
                    *,
                    u('tx_defect', idx) as defect_u,
                    u('late', idx) < {r["late_arriving"]} as drawn_late,
                    u('type_case', idx) < {r["transaction_type_case_variant"]} as has_type_case_variant
                from lines
            ),
            flagged as (
                select
                    * exclude (defect_u, drawn_late),
                    case
                        when defect_u >= {total_defect_rate:.12f} then null
                        -- a re-send needs a line before it in the same order with no defect drawn
                        when ({defect_case}) = 'duplicate_line_key'
                            and (own_line_number = 1 or u('tx_defect', idx - 1) < {total_defect_rate:.12f})
                            then null
                        else {defect_case}
                    end as defect,
                    drawn_late
                from drawn
            ),
            keyed as (
                select
                    * exclude (drawn_late),
                    drawn_late and defect is distinct from 'duplicate_line_key' as is_late,
                    case when defect = 'duplicate_line_key' then idx - 1 else idx end as content_idx,
                    case when defect = 'duplicate_line_key' then own_line_number - 1 else own_line_number end
                        as line_number
                from flagged
            ),
            priced as (
                select
                    k.*,
                    pc.product_id as drawn_product_id,
                    case when k.customer_type = 'B2C' then 1 + floor(-0.7 * ln(1 - u('qty', k.content_idx)))::int
                        else 1 + floor(-6 * ln(1 - u('qty', k.content_idx)))::int end as drawn_quantity,
                    round(
                        pc.list_price
                        * case when k.customer_type = 'B2C' then 1.0 else 0.92 end
                        * case when u('markdown', k.content_idx) < 0.2 then 0.85 else 1.0 end,
                        2
                    )::decimal(18, 2) as unit_price
                from keyed as k
                inner join product_buckets as pc
                    on floor(u('line_product', k.content_idx) * {PRODUCT_BUCKETS})::int = pc.bucket
            ),
            loaded as (
                select
                    *,
                    transaction_at + to_seconds(floor(3600 + u('load_lag', o) * 5 * 3600)::bigint) as on_time_loaded_at,
                    case when is_return then 'return' else 'sale' end as clean_type
                from priced
            )
            select
                idx as file_row_number,
                defect,
                is_late,
                has_type_case_variant,
                transaction_id,
                line_number,
                case when defect = 'unknown_customer' then 'GHOST-' || lpad(idx::varchar, 9, '0')
                    else customer_id end as customer_id,
                source_system,
                case when defect = 'unknown_product' then 'X' || lpad(idx::varchar, 9, '0')
                    else drawn_product_id end as product_id,
                case
                    when defect = 'missing_timestamp' then null
                    when defect = 'future_timestamp' then {end_ts} + to_days(30 + floor(u('future', idx) * 1000)::int)
                    else transaction_at
                end as transaction_at,
                case
                    when not has_type_case_variant then clean_type
                    when u('type_case_kind', idx) < 0.5 then upper(clean_type)
                    else ' ' || upper(left(clean_type, 1)) || substr(clean_type, 2)
                end as transaction_type,
                case
                    when defect = 'non_positive_quantity'
                        then case when u('neg_qty', idx) < 0.5 then 0 else -drawn_quantity end
                    else drawn_quantity
                end as quantity,
                unit_price,
                case when u('discount', content_idx) < 0.2
                    then round(drawn_quantity * unit_price * 0.25 * u('discount_size', content_idx), 2)::decimal(18, 2)
                    else 0::decimal(18, 2) end as discount_amount,
                channel,
                case
                    -- a re-delivery of the previous line, one to three days after that line arrived
                    -- (lines of one order share their load lag; the previous line may have been late)
                    when defect = 'duplicate_line_key'
                        then on_time_loaded_at
                            + to_days(
                                case when u('late', idx - 1) < {r["late_arriving"]}
                                    then 2 + floor(u('late_days', idx - 1) * 28)::int else 0 end
                                + 1 + floor(u('resend', idx) * 3)::int
                            )
                    when is_late then on_time_loaded_at + to_days(2 + floor(u('late_days', idx) * 28)::int)
                    else on_time_loaded_at
                end as loaded_at
            from loaded
        """)
        self.sql("drop table numbered_orders")
        self.sql("drop table window_orders")
