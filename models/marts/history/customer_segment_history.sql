-- Per customer and recorded as-of date: the segment values valid on that date (from the SCD2
-- snapshot), for BI timelines. A customer appears from the first recorded date after their
-- first purchase.

-- Before the snapshot has ever run (a plain `dbt run` on a new warehouse) there is no history
-- yet: the mart is empty instead of failing.
{%- set snapshot = ref('customer_segments_snapshot') %}
{#- asked of the database when the model runs: the snapshot may have created its table earlier
    in this same invocation, after dbt filled its relation cache (a cache lookup says it is missing) #}
{%- set recorded = execute and table_exists(snapshot) %}

with

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
