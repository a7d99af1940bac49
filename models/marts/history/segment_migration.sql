-- How customers moved between segments from one recorded as-of date to the next, for ABC
-- class, lifecycle stage and loyalty tier: customers per (from value, to value), their window revenue on
-- both dates, and the share of the from-value's customers that moved there. Customers who
-- first appear in the later period come from 'not_yet_customer'; customers outside the
-- profitability window have ABC class 'none'.
--
-- Incremental: recorded history only grows forward, so a run adds the transitions into the
-- periods recorded since the last run; the backfill's --rebuild rebuilds it in full.
-- On Spark (its Parquet tables have no delete) a partition per to_period, which a run writes.
{{
    config(
        materialized='incremental',
        unique_key='to_period',
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        partition_by=(['to_period'] if target.type == 'spark' else none),
        on_schema_change='fail'
    )
}}

with

history as (
    select * from {{ ref('customer_segment_history') }}
),

period_revenue as (
    select * from {{ ref('int_segment_history__period_revenue') }}
),

all_periods as (
    select
        as_of_date as to_period,
        lag(as_of_date) over (order by as_of_date) as from_period
    from (select distinct as_of_date from history) as recorded
),

{%- if is_incremental() %}

done as (
    select max(to_period) as last_to_period from {{ this }}
),

periods as (
    select all_periods.*
    from all_periods
    cross join done
    where done.last_to_period is null or all_periods.to_period > done.last_to_period
),

{%- else %}

periods as (
    select * from all_periods
),

{%- endif %}

-- only the periods the transitions to write start or end on
needed_history as (
    select history.*
    from history
    where history.as_of_date >= (select min(coalesce(periods.from_period, periods.to_period)) from periods)
),

values_by_period as (
    select
        customer_key,
        as_of_date,
        'abc_class' as segment_dimension,
        coalesce(abc_class, 'none') as segment_value
    from needed_history
    union all
    select
        customer_key,
        as_of_date,
        'lifecycle_stage' as segment_dimension,
        lifecycle_stage as segment_value
    from needed_history
    union all
    select
        customer_key,
        as_of_date,
        'loyalty_tier' as segment_dimension,
        loyalty_tier as segment_value
    from needed_history
    where loyalty_tier is not null
),

transitions as (
    select
        periods.from_period,
        periods.to_period,
        later.segment_dimension,
        coalesce(earlier.segment_value, 'not_yet_customer') as from_value,
        later.segment_value as to_value,
        later.customer_key
    from periods
    inner join values_by_period as later on periods.to_period = later.as_of_date
    left join values_by_period as earlier
        on
            later.customer_key = earlier.customer_key
            and later.segment_dimension = earlier.segment_dimension
            and periods.from_period = earlier.as_of_date
    where periods.from_period is not null
),

counted as (
    select
        transitions.from_period,
        transitions.to_period,
        transitions.segment_dimension,
        transitions.from_value,
        transitions.to_value,
        count(*) as customer_count,
        coalesce(sum(earlier_revenue.revenue), 0) as from_period_revenue,
        coalesce(sum(later_revenue.revenue), 0) as to_period_revenue
    from transitions
    left join period_revenue as earlier_revenue
        on
            transitions.customer_key = earlier_revenue.customer_key
            and transitions.from_period = earlier_revenue.as_of_date
    left join period_revenue as later_revenue
        on
            transitions.customer_key = later_revenue.customer_key
            and transitions.to_period = later_revenue.as_of_date
    group by
        transitions.from_period,
        transitions.to_period,
        transitions.segment_dimension,
        transitions.from_value,
        transitions.to_value
)

select
    from_period,
    to_period,
    -- a literal's type differs per engine (PostgreSQL: text); the table's is text (type_text())
    cast(segment_dimension as {{ type_text() }}) as segment_dimension,
    from_value,
    to_value,
    from_value <> to_value as is_move,
    cast(customer_count as bigint) as customer_count,
    cast(from_period_revenue as decimal(38, 2)) as from_period_revenue,
    cast(to_period_revenue as decimal(38, 2)) as to_period_revenue,
    cast(customer_count as {{ type_double() }})
    / sum(customer_count) over (partition by from_period, segment_dimension, from_value) as share_of_from_value
from counted
