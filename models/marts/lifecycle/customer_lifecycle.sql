-- One row per customer who had bought by the as-of date: first and last purchase, tenure,
-- purchases, gaps, lifecycle stage and tenure band. Only sales up to the as-of date count, so
-- an earlier as-of date gives what the warehouse would have said that day.
{%- set new_days = var('new_customer_days') %}
{%- set active_days = var('active_days') %}
{%- set churn_days = var('churn_days') %}

with

sales as (
    select * from {{ ref('int_sales__lines') }}
),

customers as (
    select * from {{ ref('dim_customer') }}
),

tenure_bands as (
    select * from {{ ref('tenure_bands') }}
),

bounds as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

sale_lines as (
    select sales.*
    from sales
    cross join bounds
    where not sales.is_return and sales.transaction_date <= bounds.as_of_date
),

purchase_dates as (
    select distinct
        customer_key,
        transaction_date as purchase_date
    from sale_lines
),

gaps as (
    select
        customer_key,
        purchase_date,
        {{ dbt.datediff(
            'lag(purchase_date) over (partition by customer_key order by purchase_date)', 'purchase_date', 'day'
        ) }} as gap_days,
        row_number() over (partition by customer_key order by purchase_date desc) as recency_rank
    from purchase_dates
),

per_customer as (
    select
        gaps.customer_key,
        min(gaps.purchase_date) as first_purchase_date,
        max(gaps.purchase_date) as last_purchase_date,
        count(*) as purchase_day_count,
        max(case when gaps.recency_rank = 1 then gaps.gap_days end) as current_gap_days,
        max(gaps.gap_days) as longest_gap_days
    from gaps
    group by gaps.customer_key
),

orders as (
    select
        customer_key,
        count(distinct transaction_id) as purchase_count
    from sale_lines
    group by customer_key
),

measured as (
    select
        per_customer.*,
        orders.purchase_count,
        bounds.as_of_date,
        {{ dbt.datediff('per_customer.first_purchase_date', 'bounds.as_of_date', 'day') }} as tenure_days,
        {{ whole_months_between('per_customer.first_purchase_date', 'bounds.as_of_date') }} as tenure_months,
        {{ dbt.datediff('per_customer.last_purchase_date', 'bounds.as_of_date', 'day') }} as recency_days
    from per_customer
    cross join bounds
    inner join orders on per_customer.customer_key = orders.customer_key
),

staged as (
    select
        *,
        case
            when tenure_days <= {{ new_days }} then 'new'
            when recency_days <= {{ active_days }} and current_gap_days > {{ churn_days }} then 'reactivated'
            when recency_days <= {{ active_days }} then 'active'
            when recency_days <= {{ churn_days }} then 'at_risk'
            else 'churned'
        end as lifecycle_stage
    from measured
)

select
    staged.customer_key,
    staged.as_of_date,
    staged.first_purchase_date,
    staged.last_purchase_date,
    cast(staged.tenure_days as integer) as tenure_days,
    cast(staged.tenure_months as integer) as tenure_months,
    cast(staged.purchase_count as bigint) as purchase_count,
    cast(staged.purchase_day_count as bigint) as purchase_day_count,
    cast(staged.recency_days as integer) as recency_days,
    cast(staged.current_gap_days as integer) as current_gap_days,
    cast(staged.longest_gap_days as integer) as longest_gap_days,
    staged.lifecycle_stage,
    tenure_bands.tenure_band,
    cast({{ dbt.date_trunc('month', 'staged.first_purchase_date') }} as date) as acquisition_cohort_month,
    customers.acquisition_channel,
    customers.customer_type
from staged
inner join customers on staged.customer_key = customers.customer_key
left join tenure_bands
    on
        staged.tenure_months >= tenure_bands.min_tenure_months
        and (tenure_bands.max_tenure_months is null or staged.tenure_months < tenure_bands.max_tenure_months)
