-- The recorded segment history, compactly: for each recorded date, the tracked values of the
-- customers seen for the first time and of those whose values changed since their previous
-- recorded date (segment_history_is_change); nothing for a customer whose values stayed the
-- same. Each row starts an SCD2 version (customer_segment_versions). Written once per recorded
-- date, before the ledger (int_segment_history__recorded_dates) records it, and never rewritten
-- once recorded (a full refresh keeps it): the history keeps what was known when each date was
-- recorded. Rows of a date the ledger did not record (a run that failed part-way) are removed by
-- the next run's pre-hook, before the values last recorded are read.
-- Incremental, append-only, kept by a full refresh: the config of models/intermediate/history/recorded/
-- in dbt_project.yml (on Spark, whose Parquet tables have no delete, a partition per date).
{{ config(
    partition_by=(['as_of_date'] if target.type == 'spark' else none),
    pre_hook="{{ segment_history_forget_unrecorded() }}",
) }}
{%- set tracked = segment_history_tracked_columns() %}
-- On its first run after an upgrade from the snapshot history, it adopts the snapshot's versions.
{%- set adopted = segment_history_snapshot_table('customer_segments_snapshot') %}
{%- set adopted_dates = segment_history_snapshot_table('segment_history_periods') %}
{#- the rows already recorded: this table's, or on adoption the snapshot's versions #}
{%- set recorded = this if is_incremental() else ('adopted_versions' if adopted else none) %}

with

{%- if adopted is not none %}

-- recorded when their date was (the snapshot's dbt_updated_at is the as-of date itself)
adopted_versions as (
    select
        versions.customer_key,
        {%- for column in tracked %}
        versions.{{ column }},
        {%- endfor %}
        {%- if adopted_dates is not none %}
        coalesce(periods.recorded_at, cast(versions.dbt_updated_at as timestamp)) as recorded_at,
        {%- else %}
        cast(versions.dbt_updated_at as timestamp) as recorded_at,
        {%- endif %}
        cast(versions.dbt_valid_from as date) as as_of_date
    from {{ adopted }} as versions
    {%- if adopted_dates is not none %}
    left join {{ adopted_dates }} as periods on cast(versions.dbt_valid_from as date) = periods.as_of_date
    {%- endif %}
),

{%- endif %}

dates_to_write as (
    {{ segment_history_dates_to_write(announce=true, written=('adopted_versions' if adopted else none)) }}
),

states as (
    select * from {{ ref('int_segment_history__states') }}
),

new_states as (
    select
        states.customer_key,
        states.as_of_date,
        {%- for column in tracked %}
        states.{{ column }},
        {%- endfor %}
        true as is_new
    from states
    inner join dates_to_write on states.as_of_date = dates_to_write.as_of_date
),

-- each customer's values as last recorded: the newest row of their history
recorded_versions as (
    select
        customer_key,
        as_of_date,
        {%- for column in tracked %}
        {{ column }},
        {%- endfor %}
        row_number() over (partition by customer_key order by as_of_date desc) as newest_first
    {#- on a first run without an adopted history nothing is recorded yet #}
    from {{ recorded if recorded is not none else 'new_states' }}
    {%- if recorded is none %}
    where false
    {%- endif %}
),

sequenced as (
    select
        customer_key,
        as_of_date,
        {%- for column in tracked %}
        {{ column }},
        {%- endfor %}
        false as is_new
    from recorded_versions
    where
        newest_first = 1
        and customer_key in (select new_states.customer_key from new_states)
    union all
    select * from new_states
),

compared as (
    select
        *,
        {{ segment_history_is_change() }} as is_change
    from sequenced
)

select
    customer_key,
    {%- for column in tracked %}
    {{ column }},
    {%- endfor %}
    cast('{{ run_started_at }}' as timestamp) as recorded_at,
    as_of_date
from compared
where is_new and is_change
{%- if adopted is not none %}
union all
select * from adopted_versions
{%- endif %}
