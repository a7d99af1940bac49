-- Every campaign audience a build has computed, per as-of date: the record a campaign's result is
-- measured against (campaign_results). A build adds its own as-of date's audiences and replaces
-- those of the same date, except a date the campaign was launched on (seed campaign_launches):
-- once recorded, a launched audience is kept as it was, whatever later data or settings say.
-- Never rebuilt by --full-refresh (full_refresh: false): it is a record, like the segment history.
-- On Spark (no delete on Parquet tables) each run overwrites the partitions of the dates it writes.
{{
    config(
        materialized='incremental',
        unique_key=['campaign_id', 'as_of_date'],
        incremental_strategy=('insert_overwrite' if target.type == 'spark' else 'delete+insert'),
        partition_by=(['as_of_date', 'campaign_id'] if target.type == 'spark' else none),
        on_schema_change='fail',
        full_refresh=false
    )
}}

with

assignments as (
    select * from {{ ref('campaign_assignments') }}
),

launches as (
    select * from {{ ref('campaign_launches') }}
),

{%- if is_incremental() %}

frozen as (
    select distinct
        recorded.campaign_id,
        recorded.as_of_date
    from {{ this }} as recorded
    inner join launches
        on recorded.campaign_id = launches.campaign_id and recorded.as_of_date = launches.launched_on
),

{%- else %}

frozen as (
    select
        cast(null as {{ type_text() }}) as campaign_id,
        cast(null as date) as as_of_date
    where false
),

{%- endif %}

new_runs as (
    select assignments.*
    from assignments
    left join frozen
        on assignments.campaign_id = frozen.campaign_id and assignments.as_of_date = frozen.as_of_date
    where frozen.campaign_id is null
)

select
    campaign_id,
    as_of_date,
    customer_key,
    action,
    abc_class,
    lifecycle_stage,
    expected_value,
    contact_cost,
    assignment_group,
    cast(current_timestamp as timestamp) as recorded_at
from new_runs
