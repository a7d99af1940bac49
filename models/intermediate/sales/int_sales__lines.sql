-- Line economics, once: one row per trusted transaction line with net revenue, cost of goods
-- and gross profit in the warehouse currency (returns negative). Cost of goods uses the
-- product's current unit cost. fct_sales publishes it, and every model that aggregates lines
-- (cost to serve, windows, months, lifecycle) reads it here, so the DAG flows one way.
--
-- Incremental: a run rewrites only the lines that are new or late (loaded within
-- fct_sales_lookback_days of the latest loaded line, or in a batch not seen yet), newly
-- trusted, or whose customer key or unit cost changed since (a merge of customers, a new cost).
-- Lines no longer trusted are deleted after the run. The result equals a full refresh.
{{
    config(
        materialized='incremental',
        unique_key='sales_line_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where raw_row_key not in (select raw_row_key from"
            " {{ ref('int_transactions__screened') }} where reason_count = 0){% endif %}"
        ]
    )
}}

with

screened as (
    select * from {{ ref('int_transactions__screened') }}
),

products as (
    select * from {{ ref('int_products__latest') }}
),

trusted as (
    select * from screened
    where reason_count = 0
),

costed as (
    select
        trusted.*,
        products.unit_cost,
        {{ signed_line_amount('trusted.transaction_type', 'trusted.quantity', 'products.unit_cost') }} as cogs
    from trusted
    inner join products on trusted.product_id = products.product_id
),

lines as (
    select
        {{ dbt.hash("transaction_id || '|' || cast(line_number as varchar)") }} as sales_line_key,
        transaction_id,
        line_number,
        customer_key,
        {{ dbt.hash('product_id') }} as product_key,
        product_id,
        transaction_date,
        transaction_at,
        channel,
        transaction_type,
        transaction_type = 'return' as is_return,
        quantity,
        unit_price,
        discount_amount,
        net_revenue,
        unit_cost,
        cogs,
        cast(net_revenue - cogs as decimal(38, 4)) as gross_profit,
        loaded_at,
        batch_id,
        raw_row_key
    from costed
)

{% if is_incremental() %}

,

loaded as (
    select max(loaded_at) as max_loaded_at from {{ this }}
),

seen_batches as (
    select distinct batch_id from {{ this }}
),

current_facts as (
    select
        sales_line_key,
        raw_row_key,
        customer_key,
        unit_cost
    from {{ this }}
),

to_write as (
    select lines.*
    from lines
    cross join loaded
    left join seen_batches on lines.batch_id = seen_batches.batch_id
    left join current_facts on lines.sales_line_key = current_facts.sales_line_key
    where
        lines.loaded_at > {{ dbt.dateadd('day', '-' ~ var('fct_sales_lookback_days'), 'loaded.max_loaded_at') }}
        or seen_batches.batch_id is null
        or current_facts.sales_line_key is null
        or current_facts.raw_row_key <> lines.raw_row_key
        or current_facts.customer_key <> lines.customer_key
        or current_facts.unit_cost <> lines.unit_cost
)

select * from to_write

{% else %}

select * from lines

{% endif %}
