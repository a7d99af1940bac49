-- The customer state for every state date (each month-end of the history, and the as-of date of
-- this build) in one set-based pass: one row per customer who had bought by the date, with the
-- profitability window (the profitability_window_months months up to and including the date),
-- net profit after cost to serve, profitability decile, ABC class, strategic and loss-making
-- flags, RFM scores and segment, lifecycle stage and tenure. The single-date marts are the
-- as-of slice of this model, and the segment history is derived from its month-end slices.
--
-- Incremental by state date: a run computes only the dates that are new or whose inputs changed
-- (int_customer_state__dates fingerprints them: settings, trusted lines and daily costs up to
-- the date), so a new month appends a slice and a late line re-states the dates from its own
-- on. Dates no longer wanted, and slices whose inputs changed, are removed after the run. The
-- result equals a full refresh.
--
-- Everything per state date is additive over customer-days (an order counts on the day of its
-- first sale line, as for order handling and purchase counts), so a window is one range join.
-- Distinct products, the one count that is not additive, is computed for the as-of date only:
-- month-end slices leave it null.
-- On Spark (its Parquet tables have no delete) a partition per state date: a run overwrites the
-- partitions of the dates it computes and drops those of dates no longer wanted.
{{
    config(
        materialized='incremental',
        unique_key='state_date',
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        partition_by=(['state_date'] if target.type == 'spark' else none),
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}{{ delete_stale_state_dates(this, ref('int_customer_state__dates')) }}{% endif %}"
        ]
    )
}}
{%- set metric = var('abc_value_metric') %}
{%- set far_future = "cast('9999-12-31' as date)" %}

with

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

sales as (
    select * from {{ ref('int_sales__lines') }}
),

daily_costs as (
    select * from {{ ref('int_customer_days__cost_to_serve') }}
),

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

tenure_bands as (
    select * from {{ ref('tenure_bands') }}
),

{%- if is_incremental() %}

stored as (
    select
        state_date,
        min(input_fingerprint) as input_fingerprint
    from {{ this }}
    group by state_date
),

to_build as (
    select dates.*
    from dates
    left join stored on dates.state_date = stored.state_date
    where stored.input_fingerprint is distinct from dates.input_fingerprint
),

{%- else %}

to_build as (
    select * from dates
),

{%- endif %}

build_span as (
    select min(window_start_exclusive) as first_window_start
    from to_build
),

as_of_to_build as (
    select * from to_build
    where is_as_of_date
),

-- the lines any window to build can see
window_lines as (
    select
        sales.customer_key,
        sales.product_id,
        sales.transaction_date,
        sales.is_return,
        sales.net_revenue,
        sales.cogs
    from sales
    cross join build_span
    where sales.transaction_date > build_span.first_window_start
),

-- money and line counts per customer and day, sales and cost to serve together
day_amounts as (
    select
        customer_key,
        transaction_date as activity_date,
        sum(net_revenue) as revenue,
        sum(cogs) as cogs,
        {{ count_where('not is_return') }} as sale_line_count,
        {{ count_where('is_return') }} as return_line_count,
        0 as order_count,
        0 as order_handling_cost,
        0 as return_handling_cost,
        0 as interaction_count,
        0 as interaction_cost
    from window_lines
    group by customer_key, transaction_date
    union all
    select
        daily_costs.customer_key,
        daily_costs.activity_date,
        0 as revenue,
        0 as cogs,
        0 as sale_line_count,
        0 as return_line_count,
        daily_costs.order_count,
        daily_costs.order_handling_cost,
        daily_costs.return_handling_cost,
        daily_costs.interaction_count,
        daily_costs.interaction_cost
    from daily_costs
    cross join build_span
    where daily_costs.activity_date > build_span.first_window_start
),

-- money stays in 38 digits (line amounts up to the loader's limits add up past 64-bit decimals)
customer_days as (
    select
        customer_key,
        activity_date,
        sum(revenue) as revenue,
        sum(cogs) as cogs,
        cast(sum(sale_line_count) as bigint) as sale_line_count,
        cast(sum(return_line_count) as bigint) as return_line_count,
        cast(sum(order_count) as bigint) as order_count,
        sum(order_handling_cost) as order_handling_cost,
        sum(return_handling_cost) as return_handling_cost,
        cast(sum(interaction_count) as bigint) as interaction_count,
        sum(interaction_cost) as interaction_cost
    from day_amounts
    group by customer_key, activity_date
),

window_amounts as (
    select
        to_build.state_date,
        customer_days.customer_key,
        sum(customer_days.revenue) as revenue,
        sum(customer_days.cogs) as cogs,
        sum(customer_days.sale_line_count) as sale_line_count,
        sum(customer_days.return_line_count) as return_line_count,
        sum(customer_days.order_count) as order_count,
        sum(customer_days.order_handling_cost) as order_handling_cost,
        sum(customer_days.return_handling_cost) as return_handling_cost,
        sum(customer_days.interaction_count) as interaction_count,
        sum(customer_days.interaction_cost) as interaction_cost
    from customer_days
    inner join to_build
        on
            customer_days.activity_date > to_build.window_start_exclusive
            and customer_days.activity_date <= to_build.state_date
    group by to_build.state_date, customer_days.customer_key
),

-- distinct products bought in the window, for the as-of date only
as_of_products as (
    select
        as_of_to_build.state_date,
        window_lines.customer_key,
        count(distinct window_lines.product_id) as distinct_product_count
    from window_lines
    inner join as_of_to_build
        on
            window_lines.transaction_date > as_of_to_build.window_start_exclusive
            and window_lines.transaction_date <= as_of_to_build.state_date
    where not window_lines.is_return
    group by as_of_to_build.state_date, window_lines.customer_key
),

-- everyone who had bought by the date, with the purchase-day row of their last purchase
purchase_spans as (
    select
        *,
        coalesce(next_purchase_date, {{ far_future }}) as next_purchase_or_far_future
    from purchase_days
),

lifecycle as (
    select
        to_build.state_date,
        to_build.is_as_of_date,
        to_build.input_fingerprint,
        purchase_spans.customer_key,
        purchase_spans.first_purchase_date,
        purchase_spans.purchase_date as last_purchase_date,
        purchase_spans.purchase_count,
        purchase_spans.purchase_day_count,
        purchase_spans.gap_days as current_gap_days,
        purchase_spans.longest_gap_days
    from purchase_spans
    inner join to_build
        on
            purchase_spans.purchase_date <= to_build.state_date
            and purchase_spans.next_purchase_or_far_future > to_build.state_date
),

-- money is rounded to cents once, and profits derive from the rounded amounts, so the
-- identities (gross = revenue - cogs, net = gross - cost to serve) hold to the cent
combined as (
    select
        lifecycle.*,
        coalesce(window_amounts.order_count, 0) > 0 as is_in_window,
        coalesce(window_amounts.order_count, 0) as order_count,
        as_of_products.distinct_product_count,
        case
            when coalesce(window_amounts.order_count, 0) > 0 then lifecycle.last_purchase_date
        end as last_sale_date,
        coalesce(window_amounts.sale_line_count, 0) as sale_line_count,
        coalesce(window_amounts.return_line_count, 0) as return_line_count,
        coalesce(window_amounts.interaction_count, 0) as interaction_count,
        cast(round(coalesce(window_amounts.revenue, 0), 2) as decimal(38, 2)) as revenue,
        cast(round(coalesce(window_amounts.cogs, 0), 2) as decimal(38, 2)) as cogs,
        cast(round(coalesce(window_amounts.order_handling_cost, 0), 2) as decimal(38, 2)) as order_handling_cost,
        cast(round(coalesce(window_amounts.return_handling_cost, 0), 2) as decimal(38, 2)) as return_handling_cost,
        cast(round(coalesce(window_amounts.interaction_cost, 0), 2) as decimal(38, 2)) as interaction_cost,
        {{ dbt.datediff('lifecycle.first_purchase_date', 'lifecycle.state_date', 'day') }} as tenure_days,
        {{ whole_months_between('lifecycle.first_purchase_date', 'lifecycle.state_date') }} as tenure_months,
        {{ dbt.datediff('lifecycle.last_purchase_date', 'lifecycle.state_date', 'day') }} as recency_days
    from lifecycle
    left join window_amounts
        on
            lifecycle.state_date = window_amounts.state_date
            and lifecycle.customer_key = window_amounts.customer_key
    left join as_of_products
        on
            lifecycle.state_date = as_of_products.state_date
            and lifecycle.customer_key = as_of_products.customer_key
),

costed as (
    select
        *,
        cast(revenue - cogs as decimal(38, 2)) as gross_profit,
        cast(order_handling_cost + return_handling_cost + interaction_cost as decimal(38, 2)) as cost_to_serve,
        cast(revenue - cogs - order_handling_cost - return_handling_cost - interaction_cost as decimal(38, 2))
            as net_profit,
        case
            when tenure_days <= {{ var('new_customer_days') }} then 'new'
            when recency_days <= {{ var('active_days') }} and {{ is_churn_gap('current_gap_days') }}
                then 'reactivated'
            when recency_days <= {{ var('active_days') }} then 'active'
            when not {{ is_churn_gap('recency_days') }} then 'at_risk'
            else 'churned'
        end as lifecycle_stage
    from combined
),

-- ranks among the customers with a sale order in the window, per state date, sorted on the
-- few columns they need (a window over the wide rows would sort every column)
rank_inputs as (
    select
        state_date,
        customer_key,
        net_profit,
        {#- on net profit (the default) the ABC order is the decile order: one sort for both #}
        {{ 'net_profit' if metric == 'net_profit' else metric }} as abc_value,
        case when {{ metric }} > 0 then {{ metric }} else 0 end as positive_value,
        recency_days,
        order_count,
        revenue
    from costed
    where is_in_window
),

ranks as (
    select
        state_date,
        customer_key,
        ntile(10) over (partition by state_date order by net_profit desc, customer_key asc) as profit_decile,
        row_number() over (
            partition by state_date
            order by {{ 'net_profit' if metric == 'net_profit' else 'abc_value' }} desc, customer_key asc
        ) as value_rank,
        count(*) over (partition by state_date) as population_count,
        sum(positive_value) over (partition by state_date) as total_positive_value,
        sum(positive_value) over (
            partition by state_date
            order by {{ 'net_profit' if metric == 'net_profit' else 'abc_value' }} desc, customer_key asc
            rows between unbounded preceding and current row
        ) as running_positive_value,
        ntile(5) over (partition by state_date order by recency_days desc, customer_key asc) as recency_score,
        ntile(5) over (partition by state_date order by order_count asc, customer_key asc) as frequency_score,
        ntile(5) over (partition by state_date order by revenue asc, customer_key asc) as monetary_score
    from rank_inputs
),

ranked as (
    select
        costed.*,
        {{ metric }} as abc_value,
        ranks.profit_decile,
        ranks.value_rank,
        ranks.population_count,
        ranks.total_positive_value,
        ranks.running_positive_value,
        ranks.recency_score,
        ranks.frequency_score,
        ranks.monetary_score
    from costed
    left join ranks
        on
            costed.state_date = ranks.state_date
            and costed.customer_key = ranks.customer_key
),

classified as (
    select
        *,
        {{ abc_class('abc_value', 'running_positive_value', 'total_positive_value') }} as abc_class,
        -- rounded before ceil so 0.2 x 15 counts 3 customers, not 4 (binary floating point)
        abc_value > 0
        and value_rank <= ceil(round(population_count * {{ var('strategic_share') }}, 9)) as is_strategic,
        cast(round((frequency_score + monetary_score) / 2.0) as integer) as frequency_monetary_score
    from ranked
)

select
    classified.state_date,
    classified.customer_key,
    classified.input_fingerprint,
    cast('{{ run_started_at }}' as timestamp) as state_computed_at,
    classified.first_purchase_date,
    classified.last_purchase_date,
    cast({{ dbt.date_trunc('month', 'classified.first_purchase_date') }} as date) as acquisition_cohort_month,
    cast(classified.tenure_days as integer) as tenure_days,
    cast(classified.tenure_months as integer) as tenure_months,
    tenure_bands.tenure_band,
    cast(classified.purchase_count as bigint) as purchase_count,
    cast(classified.purchase_day_count as bigint) as purchase_day_count,
    cast(classified.recency_days as integer) as recency_days,
    cast(classified.current_gap_days as integer) as current_gap_days,
    cast(classified.longest_gap_days as integer) as longest_gap_days,
    classified.lifecycle_stage,
    classified.is_in_window,
    cast(case when classified.is_in_window then classified.revenue end as decimal(38, 2)) as revenue,
    cast(case when classified.is_in_window then classified.cogs end as decimal(38, 2)) as cogs,
    cast(case when classified.is_in_window then classified.gross_profit end as decimal(38, 2)) as gross_profit,
    cast(case when classified.is_in_window then classified.order_handling_cost end as decimal(38, 2))
        as order_handling_cost,
    cast(case when classified.is_in_window then classified.return_handling_cost end as decimal(38, 2))
        as return_handling_cost,
    cast(case when classified.is_in_window then classified.interaction_cost end as decimal(38, 2)) as interaction_cost,
    cast(case when classified.is_in_window then classified.cost_to_serve end as decimal(38, 2)) as cost_to_serve,
    cast(case when classified.is_in_window then classified.net_profit end as decimal(38, 2)) as net_profit,
    case when classified.is_in_window then cast(classified.order_count as bigint) end as order_count,
    case when classified.is_in_window then cast(classified.sale_line_count as bigint) end as sale_line_count,
    case when classified.is_in_window then cast(classified.return_line_count as bigint) end as return_line_count,
    case when classified.is_in_window then cast(classified.interaction_count as bigint) end as interaction_count,
    case
        when classified.is_in_window and classified.is_as_of_date
            then cast(coalesce(classified.distinct_product_count, 0) as bigint)
    end as distinct_product_count,
    case
        when classified.is_in_window
            then cast(classified.return_line_count as {{ type_double() }})
                / (classified.sale_line_count + classified.return_line_count)
    end as return_rate,
    classified.last_sale_date,
    case when classified.is_in_window then cast(classified.profit_decile as integer) end as profit_decile,
    '{{ metric }}' as abc_value_metric,
    case when classified.is_in_window then cast(classified.abc_value as decimal(38, 2)) end as abc_value,
    case when classified.is_in_window then cast(classified.value_rank as bigint) end as value_rank,
    case
        when classified.is_in_window and classified.total_positive_value > 0
            then cast(classified.running_positive_value as {{ type_double() }}) / classified.total_positive_value
    end as running_share,
    case when classified.is_in_window then classified.abc_class end as abc_class,
    case when classified.is_in_window then classified.is_strategic end as is_strategic,
    case when classified.is_in_window then classified.abc_value <= 0 end as is_loss_making,
    case when classified.is_in_window then cast(classified.recency_score as integer) end as recency_score,
    case when classified.is_in_window then cast(classified.frequency_score as integer) end as frequency_score,
    case when classified.is_in_window then cast(classified.monetary_score as integer) end as monetary_score,
    case when classified.is_in_window then classified.frequency_monetary_score end as frequency_monetary_score,
    case
        when classified.is_in_window
            then cast(classified.recency_score as {{ type_text() }})
                || cast(classified.frequency_score as {{ type_text() }})
                || cast(classified.monetary_score as {{ type_text() }})
    end as rfm_code,
    case when classified.is_in_window then rfm_segments.rfm_segment end as rfm_segment
from classified
left join tenure_bands
    on
        classified.tenure_months >= tenure_bands.min_tenure_months
        and (tenure_bands.max_tenure_months is null or classified.tenure_months < tenure_bands.max_tenure_months)
left join rfm_segments
    on
        classified.recency_score = rfm_segments.recency_score
        and classified.frequency_monetary_score = rfm_segments.frequency_monetary_score
