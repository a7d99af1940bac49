{#- The order- and return-handling rules of the cost to serve, once: CTEs `sale_orders`,
    `order_handling` and `return_handling`, per customer, day and channel, read from the CTEs
    named by `sales` (int_sales__lines) and `channel_rates` (cost_to_serve_channel_rates). An
    order is one sale transaction; its channel and date are those of its lines (its first day
    when they span several). A line delivered without a channel is charged the rates of the seed
    row 'unknown'. Read by int_customer_days__cost_to_serve (per day) and channel_mix (per
    channel); interactions are costed per customer there and belong to no sales channel. -#}
{% macro handling_cost_ctes(sales='sales', channel_rates='channel_rates') -%}
sale_orders as (
    select
        customer_key,
        transaction_id,
        min(transaction_date) as activity_date,
        coalesce(min(channel), 'unknown') as channel
    from {{ sales }}
    where not is_return
    group by customer_key, transaction_id
),

order_handling as (
    select
        sale_orders.customer_key,
        sale_orders.activity_date,
        sale_orders.channel,
        count(*) as order_count,
        sum({{ channel_rates }}.order_handling_cost) as order_handling_cost
    from sale_orders
    inner join {{ channel_rates }} on sale_orders.channel = {{ channel_rates }}.channel
    group by sale_orders.customer_key, sale_orders.activity_date, sale_orders.channel
),

return_handling as (
    select
        {{ sales }}.customer_key,
        {{ sales }}.transaction_date as activity_date,
        {{ channel_rates }}.channel,
        count(*) as return_line_count,
        sum({{ channel_rates }}.return_handling_cost) as return_handling_cost
    from {{ sales }}
    inner join {{ channel_rates }} on coalesce({{ sales }}.channel, 'unknown') = {{ channel_rates }}.channel
    where {{ sales }}.is_return
    group by {{ sales }}.customer_key, {{ sales }}.transaction_date, {{ channel_rates }}.channel
)
{%- endmacro %}
