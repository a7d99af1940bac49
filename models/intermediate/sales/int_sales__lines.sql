-- Line economics, once: one row per trusted transaction line with net revenue, cost of goods
-- and gross profit in the warehouse currency (returns negative). Cost of goods uses the
-- product's current unit cost. fct_sales publishes it, and every model that aggregates lines
-- (cost to serve, windows, months, lifecycle) reads it here, so the DAG flows one way.
--
-- Incremental: a run rewrites the lines the screening judged since the last run (new and late
-- lines, every delivery of a re-delivered key, lines of merged customers and of newly known
-- products), the lines of products whose unit cost changed, and lines loaded within
-- fct_sales_lookback_days of the latest loaded line. Lines no longer trusted, and lines of
-- batches no longer loaded, are deleted after the run. Nothing compares every line with every
-- stored line (at 20M lines that join ran out of memory). The result equals a full refresh.
-- On Spark a table rebuilt in full (its Parquet tables have no delete): the incremental result
-- equals a full refresh, which tests/python/test_incremental.py checks on DuckDB.
{{
    config(
        materialized=('table' if target.type == 'spark' else 'incremental'),
        unique_key='sales_line_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}delete from {{ this }} where raw_row_key in (select raw_row_key from"
            " {{ ref('int_transactions__screened') }} where reason_count > 0) or batch_id not in"
            " (select distinct batch_id from {{ ref('int_transactions__screened') }}){% endif %}"
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
        {{ dbt.hash("transaction_id || '|' || cast(line_number as " ~ type_text() ~ ")") }} as sales_line_key,
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
        raw_row_key,
        screened_at
    from costed
)

{% if is_incremental() %}

,

last_run as (
    select
        max(loaded_at) as max_loaded_at,
        max(screened_at) as last_screened_at
    from {{ this }}
),

-- products whose unit cost is not the one their lines were costed with
recosted_products as (
    select costed_before.product_id
    from (
        select distinct
            product_id,
            unit_cost
        from {{ this }}
    ) as costed_before
    left join products on costed_before.product_id = products.product_id
    where costed_before.unit_cost is distinct from products.unit_cost
),

to_write as (
    select lines.*
    from lines
    cross join last_run
    left join recosted_products on lines.product_id = recosted_products.product_id
    where
        lines.screened_at > last_run.last_screened_at
        or recosted_products.product_id is not null
        or lines.loaded_at > {{ dbt.dateadd('day', '-' ~ var('fct_sales_lookback_days'), 'last_run.max_loaded_at') }}
)

select * from to_write

{% else %}

select * from lines

{% endif %}
