-- Step 2 of the customer state: everyone who had bought by each state date, with the
-- purchase-day row of their last purchase on or before it (first and last purchase, counts,
-- gaps), tenure, recency and lifecycle stage. One row per customer and state date: the rows of
-- the customer state itself.
{{ config(partition_by=(['state_date'] if target.type == 'spark' else none)) }}
{%- set far_future = "cast('9999-12-31' as date)" %}

with

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

purchase_days as (
    select * from {{ ref('int_customer_purchase_days') }}
),

tenure_bands as (
    select * from {{ ref('tenure_bands') }}
),

{{ customer_state_dates_to_build() }}

purchase_spans as (
    select
        *,
        coalesce(next_purchase_date, {{ far_future }}) as next_purchase_or_far_future
    from purchase_days
),

-- the purchase-day row in force on each date: the last purchase on or before it
last_purchases as (
    select
        to_build.state_date,
        to_build.input_fingerprint,
        purchase_spans.customer_key,
        purchase_spans.first_purchase_date,
        purchase_spans.purchase_date as last_purchase_date,
        purchase_spans.purchase_count,
        purchase_spans.purchase_day_count,
        purchase_spans.gap_days as current_gap_days,
        purchase_spans.longest_gap_days,
        {{ dbt.datediff('purchase_spans.first_purchase_date', 'to_build.state_date', 'day') }} as tenure_days,
        {{ whole_months_between('purchase_spans.first_purchase_date', 'to_build.state_date') }} as tenure_months,
        {{ dbt.datediff('purchase_spans.purchase_date', 'to_build.state_date', 'day') }} as recency_days
    from purchase_spans
    inner join to_build
        on
            purchase_spans.purchase_date <= to_build.state_date
            and purchase_spans.next_purchase_or_far_future > to_build.state_date
)

select
    last_purchases.state_date,
    last_purchases.customer_key,
    last_purchases.input_fingerprint,
    cast('{{ run_started_at }}' as timestamp) as state_computed_at,
    last_purchases.first_purchase_date,
    last_purchases.last_purchase_date,
    cast({{ dbt.date_trunc('month', 'last_purchases.first_purchase_date') }} as date) as acquisition_cohort_month,
    cast(last_purchases.tenure_days as integer) as tenure_days,
    cast(last_purchases.tenure_months as integer) as tenure_months,
    tenure_bands.tenure_band,
    cast(last_purchases.purchase_count as bigint) as purchase_count,
    cast(last_purchases.purchase_day_count as bigint) as purchase_day_count,
    cast(last_purchases.recency_days as integer) as recency_days,
    cast(last_purchases.current_gap_days as integer) as current_gap_days,
    cast(last_purchases.longest_gap_days as integer) as longest_gap_days,
    case
        when last_purchases.tenure_days <= {{ var('new_customer_days') }} then 'new'
        when
            last_purchases.recency_days <= {{ var('active_days') }}
            and {{ is_churn_gap('last_purchases.current_gap_days') }}
            then 'reactivated'
        when last_purchases.recency_days <= {{ var('active_days') }} then 'active'
        when not {{ is_churn_gap('last_purchases.recency_days') }} then 'at_risk'
        else 'churned'
    end as lifecycle_stage
from last_purchases
left join tenure_bands
    on
        last_purchases.tenure_months >= tenure_bands.min_tenure_months
        and (
            tenure_bands.max_tenure_months is null
            or last_purchases.tenure_months < tenure_bands.max_tenure_months
        )
