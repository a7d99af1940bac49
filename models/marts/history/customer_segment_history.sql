-- Per customer and recorded as-of date: the segment values valid on that date (from the SCD2
-- snapshot), for BI timelines. A customer appears from the first recorded date after their
-- first purchase.
--
-- On Spark, which has no snapshots without Delta, Iceberg or Hudi, the versions are derived
-- from the recorded states (int_segment_history__recorded_states) the way the snapshot writes
-- them: a new version where a tracked value differs from the customer's previous recorded date,
-- valid until the next one.
{%- set tracked = ['abc_class', 'profit_decile', 'rfm_segment', 'lifecycle_stage', 'loyalty_tier'] %}

with

{%- if target.type == 'spark' %}

recorded as (
    select * from {{ ref('int_segment_history__recorded_states') }}
),

changes as (
    select
        *,
        row_number() over (partition by customer_key order by as_of_date) = 1
        {%- for column in tracked %}
        or lag({{ column }}) over (partition by customer_key order by as_of_date) is distinct from {{ column }}
        {%- endfor %} as is_change
    from recorded
),

versions as (
    select
        customer_key,
        {%- for column in tracked %}
        {{ column }},
        {%- endfor %}
        cast(as_of_date as timestamp) as dbt_valid_from,
        lead(cast(as_of_date as timestamp)) over (partition by customer_key order by as_of_date) as dbt_valid_to
    from changes
    where is_change
),

periods as (
    select distinct as_of_date from recorded
)

{%- else %}
{#- Before the snapshot has ever run (a plain `dbt run` on a new warehouse) there is no history
    yet: the mart is empty instead of failing. Whether the snapshot exists is asked of the
    database when the model runs: the snapshot may have created its table earlier in this same
    invocation, after dbt filled its relation cache (a cache lookup says it is missing). #}
{%- set snapshot = ref('customer_segments_snapshot') %}
{%- set recorded = execute and table_exists(snapshot) %}

versions as (
    {%- if recorded %}
    select * from {{ snapshot }}
    {%- else %}
    select
        cast(null as {{ type_text() }}) as customer_key,
        cast(null as {{ type_text() }}) as abc_class,
        cast(null as integer) as profit_decile,
        cast(null as {{ type_text() }}) as rfm_segment,
        cast(null as {{ type_text() }}) as lifecycle_stage,
        cast(null as {{ type_text() }}) as loyalty_tier,
        cast(null as timestamp) as dbt_valid_from,
        cast(null as timestamp) as dbt_valid_to
    where false
    {%- endif %}
),

periods as (
    select as_of_date from {{ ref('stg_history__segment_history_periods') }}
)

{%- endif %}

select
    versions.customer_key,
    periods.as_of_date,
    versions.abc_class,
    versions.profit_decile,
    versions.rfm_segment,
    versions.lifecycle_stage,
    versions.loyalty_tier,
    cast(versions.dbt_valid_from as date) as valid_from_date,
    cast(versions.dbt_valid_to as date) as valid_to_date
from periods
inner join versions
    on
        cast(periods.as_of_date as timestamp) >= versions.dbt_valid_from
        and (versions.dbt_valid_to is null or cast(periods.as_of_date as timestamp) < versions.dbt_valid_to)
