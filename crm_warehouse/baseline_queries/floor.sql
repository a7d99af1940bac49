-- The plain-SQL floor of the core customer marts (crm_warehouse/baselines.py says what it
-- computes and what it leaves out): one query over the raw files, the least this engine needs.
with records as (
    select distinct lower(trim(source_system)) || '|' || trim(customer_id) as customer
    from {{ files.customers }}
),

products as (
    select
        product_id,
        arg_max(unit_cost, updated_at) as unit_cost
    from {{ files.products }}
    group by product_id
),

deliveries as (
    select
        t.*,
        lower(trim(t.source_system)) || '|' || trim(t.customer_id) as customer,
        lower(trim(t.transaction_type)) as kind,
        row_number() over (
            partition by t.transaction_id, t.line_number order by t.loaded_at, t.file_row_number
        ) as delivery
    from read_parquet({{ files.transactions }}, file_row_number = true) as t
),

lines as (
    select
        d.customer,
        d.transaction_id,
        cast(d.transaction_at as date) as day,
        d.kind = 'return' as is_return,
        coalesce(d.channel, 'unknown') as channel,
        (case when d.kind = 'return' then -1 else 1 end)
        * (d.quantity * d.unit_price - coalesce(d.discount_amount, 0)) as revenue,
        (case when d.kind = 'return' then -1 else 1 end) * d.quantity * p.unit_cost as cogs
    from deliveries as d
    inner join products as p on d.product_id = p.product_id
    inner join records as r on d.customer = r.customer
    where
        d.delivery = 1
        and d.kind in ('sale', 'return')
        and d.quantity > 0
        and d.unit_price is not null
        and d.transaction_at is not null
        and d.transaction_at <= d.loaded_at + interval {{ future_tolerance_hours }} hour
),

bounds as (
    select
        max(day) as as_of,
        max(day) - interval {{ window_months }} month as window_start
    from lines
),

history as (
    select
        customer,
        min(day) filter (where not is_return) as first_sale,
        max(day) filter (where not is_return) as last_sale
    from lines
    group by customer
),

windowed as (
    select lines.*
    from lines
    cross join bounds
    where lines.day > bounds.window_start and lines.day <= bounds.as_of
),

orders as (
    select
        customer,
        transaction_id,
        min(channel) as channel
    from windowed
    where not is_return
    group by customer, transaction_id
),

order_costs as (
    select
        orders.customer,
        count(*) as orders,
        sum(cast(rates.order_handling_cost as decimal(18, 2))) as cost
    from orders
    inner join {{ seeds.cost_to_serve_channel_rates }} as rates on orders.channel = rates.channel
    group by orders.customer
),

return_costs as (
    select
        windowed.customer,
        sum(cast(rates.return_handling_cost as decimal(18, 2))) as cost
    from windowed
    inner join {{ seeds.cost_to_serve_channel_rates }} as rates on windowed.channel = rates.channel
    where windowed.is_return
    group by windowed.customer
),

contact_costs as (
    select
        lower(trim(i.source_system)) || '|' || trim(i.customer_id) as customer,
        sum(cast(rates.cost_per_interaction as decimal(18, 2))) as cost
    from {{ files.interactions }} as i
    inner join {{ seeds.cost_to_serve_interaction_rates }} as rates
        on lower(trim(i.interaction_type)) = rates.interaction_type
    cross join bounds
    where
        cast(i.interaction_at as date) > bounds.window_start
        and cast(i.interaction_at as date) <= bounds.as_of
    group by lower(trim(i.source_system)) || '|' || trim(i.customer_id)
),

money as (
    select
        customer,
        round(sum(revenue), 2) as revenue,
        round(sum(cogs), 2) as cogs
    from windowed
    group by customer
),

profit as (
    select
        m.customer,
        m.revenue,
        m.revenue - m.cogs - o.cost - coalesce(r.cost, 0) - coalesce(c.cost, 0) as net_profit
    from money as m
    inner join order_costs as o on m.customer = o.customer
    left join return_costs as r on m.customer = r.customer
    left join contact_costs as c on m.customer = c.customer
),

ranked as (
    select
        *,
        ntile(10) over (order by net_profit desc, customer asc) as profit_decile,
        sum(greatest(net_profit, 0)) over (order by net_profit desc, customer asc) as running_positive,
        sum(greatest(net_profit, 0)) over () as total_positive
    from profit
)

select
    ranked.customer,
    cast(ranked.revenue as double) as revenue,
    cast(ranked.net_profit as double) as net_profit,
    ranked.profit_decile,
    case
        when ranked.net_profit <= 0 then 'C'
        when ranked.running_positive <= 0.80 * ranked.total_positive then 'A'
        when ranked.running_positive <= 0.95 * ranked.total_positive then 'B'
        else 'C'
    end as abc_class,
    datediff('day', history.first_sale, bounds.as_of) as tenure_days,
    datediff('day', history.last_sale, bounds.as_of) as recency_days
from ranked
inner join history on ranked.customer = history.customer
cross join bounds
order by ranked.customer
