-- One row per customer in the profitability population: ABC class on the configured value,
-- strategic and loss-making flags, RFM scores and the named RFM segment, as of the as-of date.
{%- set metric = var('abc_value_metric') %}

with

profitability as (
    select * from {{ ref('customer_profitability') }}
),

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

lifecycle as (
    select * from {{ ref('customer_lifecycle') }}
),

valued as (
    select
        *,
        {{ metric }} as abc_value,
        {{ dbt.datediff('last_sale_date', 'as_of_date', 'day') }} as recency_days
    from profitability
),

ranked as (
    select
        *,
        row_number() over (order by abc_value desc, customer_key asc) as value_rank,
        count(*) over () as population_count,
        sum(case when abc_value > 0 then abc_value else 0 end) over () as total_positive_value,
        sum(case when abc_value > 0 then abc_value else 0 end) over (
            order by abc_value desc, customer_key asc rows between unbounded preceding and current row
        ) as running_positive_value,
        ntile(5) over (order by recency_days desc, customer_key asc) as recency_score,
        ntile(5) over (order by order_count asc, customer_key asc) as frequency_score,
        ntile(5) over (order by revenue asc, customer_key asc) as monetary_score
    from valued
),

classified as (
    select
        *,
        case when total_positive_value > 0 then running_positive_value / total_positive_value end as running_share,
        {{ abc_class('abc_value', 'running_positive_value', 'total_positive_value') }} as abc_class,
        abc_value <= 0 as is_loss_making,
        -- rounded before ceil so 0.2 x 15 counts 3 customers, not 4 (binary floating point)
        abc_value > 0
        and value_rank <= ceil(round(population_count * {{ var('strategic_share') }}, 9)) as is_strategic,
        cast(round((frequency_score + monetary_score) / 2.0) as integer) as frequency_monetary_score
    from ranked
)

select
    classified.customer_key,
    classified.as_of_date,
    '{{ metric }}' as abc_value_metric,
    cast(classified.abc_value as decimal(38, 2)) as abc_value,
    cast(classified.value_rank as bigint) as value_rank,
    cast(classified.running_share as double) as running_share,
    classified.abc_class,
    classified.is_strategic,
    classified.is_loss_making,
    classified.profit_decile,
    cast(classified.recency_days as integer) as recency_days,
    classified.order_count as frequency,
    classified.revenue as monetary,
    cast(classified.recency_score as integer) as recency_score,
    cast(classified.frequency_score as integer) as frequency_score,
    cast(classified.monetary_score as integer) as monetary_score,
    classified.frequency_monetary_score,
    cast(classified.recency_score as varchar)
    || cast(classified.frequency_score as varchar)
    || cast(classified.monetary_score as varchar) as rfm_code,
    rfm_segments.rfm_segment,
    lifecycle.lifecycle_stage,
    lifecycle.tenure_band
from classified
left join lifecycle on classified.customer_key = lifecycle.customer_key
left join rfm_segments
    on
        classified.recency_score = rfm_segments.recency_score
        and classified.frequency_monetary_score = rfm_segments.frequency_monetary_score
