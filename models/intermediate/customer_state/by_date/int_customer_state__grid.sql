-- The customer state for every state date (each month-end of the history, and the as-of date of
-- this build), in three steps, each incremental by state date:
--   1. int_customer_state__amounts_in_window: what each customer bought and cost in the window;
--   2. int_customer_state__lifecycle: everyone who had bought by the date, with tenure,
--      recency and lifecycle stage;
--   3. this model: the two together, money rounded to cents once, profit after cost to serve,
--      and the ranks and classes among the customers with a sale order in the window
--      (profitability decile, ABC class, strategic and loss-making flags, RFM scores and
--      segment). One row per customer who had bought by the date.
-- The single-date marts are the as-of slice of this model, and the segment history is derived
-- from its month-end slices.
--
-- Incremental by state date: a run computes only the dates that are new or whose inputs changed
-- (int_customer_state__dates fingerprints them: settings, trusted lines and daily costs up to
-- the date), so a new month appends a slice and a late line re-states the dates from its own
-- on. Dates no longer wanted, and slices whose inputs changed, are removed after the run. The
-- result equals a full refresh. The grid builds a date from the earlier steps' rows of the
-- date's current fingerprint only, and also rebuilds a date an earlier step computed again
-- after it; a date an earlier step holds from older inputs is left out (see stale_window_dates).
{{ config(partition_by=(['state_date'] if target.type == 'spark' else none)) }}
{%- set metric = var('abc_value_metric') %}

with

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

lifecycle as (
    select * from {{ ref('int_customer_state__lifecycle') }}
),

amounts_in_window as (
    select * from {{ ref('int_customer_state__amounts_in_window') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

{{ customer_state_dates_to_build(earlier_steps=['amounts_in_window', 'lifecycle']) }}

-- a date whose window amounts were computed from other inputs (that step failed or was left
-- out of the run) is not built: it stays missing, which the test that the grid holds every
-- state date reports, until the step catches up and the date is built from both
stale_window_dates as (
    select distinct amounts_in_window.state_date
    from amounts_in_window
    inner join to_build on amounts_in_window.state_date = to_build.state_date
    where amounts_in_window.input_fingerprint <> to_build.input_fingerprint
),

ready as (
    select to_build.*
    from to_build
    left join stale_window_dates on to_build.state_date = stale_window_dates.state_date
    where stale_window_dates.state_date is null
),

-- money is rounded to cents once, and profits derive from the rounded amounts, so the
-- identities (gross = revenue - cogs, net = gross - cost to serve) hold to the cent
combined as (
    select
        lifecycle.*,
        ready.is_as_of_date,
        coalesce(amounts_in_window.order_count, 0) > 0 as is_in_window,
        coalesce(amounts_in_window.order_count, 0) as order_count,
        amounts_in_window.distinct_product_count,
        case
            when coalesce(amounts_in_window.order_count, 0) > 0 then lifecycle.last_purchase_date
        end as last_sale_date,
        coalesce(amounts_in_window.sale_line_count, 0) as sale_line_count,
        coalesce(amounts_in_window.return_line_count, 0) as return_line_count,
        coalesce(amounts_in_window.interaction_count, 0) as interaction_count,
        {{ cents('coalesce(amounts_in_window.revenue, 0)') }} as revenue,
        {{ cents('coalesce(amounts_in_window.cogs, 0)') }} as cogs,
        {{ cents('coalesce(amounts_in_window.order_handling_cost, 0)') }} as order_handling_cost,
        {{ cents('coalesce(amounts_in_window.return_handling_cost, 0)') }} as return_handling_cost,
        {{ cents('coalesce(amounts_in_window.interaction_cost, 0)') }} as interaction_cost
    from ready
    inner join lifecycle
        on
            ready.state_date = lifecycle.state_date
            and ready.input_fingerprint = lifecycle.input_fingerprint
    left join amounts_in_window
        on
            lifecycle.state_date = amounts_in_window.state_date
            and lifecycle.customer_key = amounts_in_window.customer_key
            and lifecycle.input_fingerprint = amounts_in_window.input_fingerprint
),

costed as (
    select
        *,
        cast(revenue - cogs as decimal(38, 2)) as gross_profit,
        cast(order_handling_cost + return_handling_cost + interaction_cost as decimal(38, 2)) as cost_to_serve,
        cast(revenue - cogs - order_handling_cost - return_handling_cost - interaction_cost as decimal(38, 2))
            as net_profit
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
    classified.acquisition_cohort_month,
    classified.tenure_days,
    classified.tenure_months,
    classified.tenure_band,
    classified.purchase_count,
    classified.purchase_day_count,
    classified.recency_days,
    classified.current_gap_days,
    classified.longest_gap_days,
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
left join rfm_segments
    on
        classified.recency_score = rfm_segments.recency_score
        and classified.frequency_monetary_score = rfm_segments.frequency_monetary_score
