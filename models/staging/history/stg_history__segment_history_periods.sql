-- Every as-of date the segment history was recorded for, from the bookkeeping table the
-- snapshot's post-hook and the backfill write (source segment_history). Ephemeral: it is
-- compiled into the model that reads it, at that model's run, so it sees the table as it is
-- then. Before the history has ever been recorded (a plain `dbt run` on a new warehouse) the
-- table does not exist yet and this is empty instead of failing.
-- Not on Spark, which has no snapshot: there the recorded dates are those of
-- int_segment_history__recorded_states.
{{ config(materialized='ephemeral', enabled=(target.type != 'spark')) }}
-- the snapshot's post-hook writes the table: compile this (and run its tests) only after it
-- depends_on: {{ ref('customer_segments_snapshot') }}
{%- set periods_table = source('segment_history', 'segment_history_periods') %}
{#- asked of the database at run time: the snapshot may have created the table earlier in this
    same invocation, after dbt filled its relation cache #}
{%- set recorded = execute and table_exists(periods_table) %}

{%- if recorded %}

select
    as_of_date,
    recorded_at
from {{ periods_table }}

{%- else %}

select
    cast(null as date) as as_of_date,
    cast(null as timestamp) as recorded_at
where false

{%- endif %}
