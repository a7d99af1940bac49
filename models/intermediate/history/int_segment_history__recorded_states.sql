-- Spark only: the segment history as recorded, one row per customer and recorded as-of date,
-- in place of the customer_segments_snapshot (a dbt snapshot on Spark needs Delta, Iceberg or
-- Hudi, whose jars this project does not assume). Each build records, from the month-end state
-- grid, every state date up to its as-of date that is later than the latest recorded one: the
-- first build records every month-end and the as-of date (on DuckDB: the backfill of every
-- month-end, then the snapshot), later builds the new month-ends and the new as-of date.
-- Recorded dates are never rewritten (a partition per as-of date, written once; a full refresh
-- keeps them), so the history keeps what was known when it was recorded, as the snapshot does.
-- An as-of date before the latest recorded one is refused, as by the snapshot.
-- customer_segment_history derives the SCD2 versions from these rows.
{{
    config(
        materialized='incremental',
        incremental_strategy='insert_overwrite',
        partition_by=['as_of_date'],
        full_refresh=false,
        enabled=(target.type == 'spark'),
        tags=['segment_history'],
        pre_hook=[
            "{{ assert_as_of_not_before_history("
            "'(select as_of_date from ' ~ ref('int_customer_state__as_of') ~ ')',"
            " '(select last_data_date from ' ~ ref('int_customer_state__as_of') ~ ')',"
            " '(select max(as_of_date) from ' ~ this ~ ')' if is_incremental() else 'cast(null as date)') }}"
        ]
    )
}}

with

as_of as (
    select as_of_date from {{ ref('int_customer_state__as_of') }}
),

state as (
    select * from {{ ref('int_customer_state__grid') }}
),

tiers as (
    select * from {{ ref('int_loyalty__tiers') }}
),

{%- if is_incremental() %}

recorded as (
    select max(as_of_date) as latest_as_of_date from {{ this }}
),

{%- endif %}

to_record as (
    select state.*
    from state
    inner join as_of on state.state_date <= as_of.as_of_date
    {%- if is_incremental() %}
    cross join recorded
    where recorded.latest_as_of_date is null or state.state_date > recorded.latest_as_of_date
    {%- endif %}
)

select
    to_record.customer_key,
    to_record.abc_class,
    to_record.profit_decile,
    to_record.rfm_segment,
    to_record.lifecycle_stage,
    tiers.loyalty_tier,
    to_record.revenue,
    cast('{{ run_started_at }}' as timestamp) as recorded_at,
    to_record.state_date as as_of_date
from to_record
left join tiers on to_record.customer_key = tiers.customer_key and to_record.state_date = tiers.state_date
