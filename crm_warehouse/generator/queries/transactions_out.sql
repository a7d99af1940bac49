-- The transaction lines: product, quantity, price and discount drawn per line, the planted
-- line defects, late arrivals and re-deliveries. A duplicate line key is a re-delivery of the
-- line before it in the same order: every line attribute is a pure function of (order, line
-- index), so a re-sent row draws its content with the previous index (content_idx).
{%- macro defect_case() -%}
case{% for kind, bound in defect_bounds %} when defect_u < {{ '%.12f' | format(bound) }} then '{{ kind }}'{% endfor %} end
{%- endmacro %}
{%- set total_defect_rate = '%.12f' | format(defect_bounds[-1][1]) %}
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
        u('late', idx) < {{ rates.late_arriving }} as drawn_late,
        u('type_case', idx) < {{ rates.transaction_type_case_variant }} as has_type_case_variant
    from lines
),

flagged as (
    select
        * exclude (defect_u, drawn_late),
        case
            when defect_u >= {{ total_defect_rate }} then null
            -- a re-send needs a line before it in the same order with no defect drawn
            when
                ({{ defect_case() }}) = 'duplicate_line_key'
                and (own_line_number = 1 or u('tx_defect', idx - 1) < {{ total_defect_rate }})
                then null
            else {{ defect_case() }}
        end as defect,
        drawn_late
    from drawn
),

keyed as (
    select
        * exclude (drawn_late),
        drawn_late and (defect is distinct from 'duplicate_line_key') as is_late,
        case when defect = 'duplicate_line_key' then idx - 1 else idx end as content_idx,
        case when defect = 'duplicate_line_key' then own_line_number - 1 else own_line_number end as line_number
    from flagged
),

priced as (
    select
        k.*,
        pc.product_id as drawn_product_id,
        case
            when k.customer_type = 'B2C' then 1 + floor(-0.7 * ln(1 - u('qty', k.content_idx)))::int
            else 1 + floor(-6 * ln(1 - u('qty', k.content_idx)))::int
        end as drawn_quantity,
        round(
            pc.list_price
            * case when k.customer_type = 'B2C' then 1.0 else 0.92 end
            * case when u('markdown', k.content_idx) < {{ shares.marked_down_line }} then 0.85 else 1.0 end,
            2
        )::decimal(18, 2) as unit_price
    from keyed as k
    inner join product_buckets as pc
        on floor(u('line_product', k.content_idx) * {{ product_buckets }})::int = pc.bucket
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
    case
        when defect = 'unknown_customer' then 'GHOST-' || lpad(idx::varchar, 9, '0')
        else customer_id
    end as customer_id,
    source_system,
    case
        when defect = 'unknown_product' then 'X' || lpad(idx::varchar, 9, '0')
        else drawn_product_id
    end as product_id,
    case
        when defect = 'missing_timestamp' then null
        when defect = 'future_timestamp'
            then timestamp '{{ end_date }}' + to_days(30 + floor(u('future', idx) * 1000)::int)
        else transaction_at
    end as transaction_at,
    case
        when not has_type_case_variant then clean_type
        when u('type_case_kind', idx) < {{ shares.type_in_capitals }} then upper(clean_type)
        else ' ' || upper(left(clean_type, 1)) || substr(clean_type, 2)
    end as transaction_type,
    case
        when defect = 'non_positive_quantity'
            then case when u('neg_qty', idx) < {{ shares.zero_quantity }} then 0 else -drawn_quantity end
        else drawn_quantity
    end as quantity,
    unit_price,
    case
        when u('discount', content_idx) < {{ shares.discounted_line }}
            then round(drawn_quantity * unit_price * 0.25 * u('discount_size', content_idx), 2)::decimal(18, 2)
        else 0::decimal(18, 2)
    end as discount_amount,
    channel,
    case
        -- a re-delivery of the previous line, one to three days after that line arrived
        -- (lines of one order share their load lag; the previous line may have been late)
        when defect = 'duplicate_line_key'
            then on_time_loaded_at
                + to_days(
                    case
                        when u('late', idx - 1) < {{ rates.late_arriving }}
                            then 2 + floor(u('late_days', idx - 1) * 28)::int
                        else 0
                    end
                    + 1 + floor(u('resend', idx) * 3)::int
                )
        when is_late then on_time_loaded_at + to_days(2 + floor(u('late_days', idx) * 28)::int)
        else on_time_loaded_at
    end as loaded_at
from loaded;

drop table numbered_orders;

drop table window_orders
