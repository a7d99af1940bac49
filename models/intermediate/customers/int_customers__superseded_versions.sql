-- Every raw customer row that is not the version of its record in use (macros/identity/customer_versions.sql
-- says which is), with the version in use and the delivered attributes that differ from it.
-- Rows of the version in use are not here: with int_customer_identity__records (one row per
-- record) it holds every raw customer row exactly once.
{%- set attributes = customer_version_columns() %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by source_system, customer_id
            order by {{ customer_version_order() }}
        ) as version_rank
    from customers
),

compared as (
    select
        ranked.raw_row_key,
        ranked.source_system,
        ranked.customer_id,
        ranked.version_rank,
        in_use.raw_row_key as in_use_raw_row_key,
        ranked.updated_at,
        in_use.updated_at as in_use_updated_at,
        ranked.batch_loaded_at,
        ranked.batch_id,
        ranked.source_file,
        ranked.source_row_number,
        {%- set differences = [] %}
        {%- for column in attributes %}
        {%- do differences.append(
            "case when ranked." ~ column ~ " is distinct from in_use." ~ column ~ " then '" ~ column ~ "' end"
        ) %}
        {%- endfor %}
        {{ non_null_list(differences) }} as differing_columns,
        (
            {%- for column in attributes %}
            {{ 'and ' if not loop.first }}ranked.{{ column }} is not distinct from in_use.{{ column }}
            {%- endfor %}
        ) as has_in_use_values,
        (ranked.updated_at is not distinct from in_use.updated_at) as has_in_use_update_time
    from ranked
    inner join ranked as in_use
        on
            ranked.source_system = in_use.source_system
            and ranked.customer_id = in_use.customer_id
            and in_use.version_rank = 1
    where ranked.version_rank > 1
)

select
    raw_row_key,
    source_system,
    customer_id,
    case
        when has_in_use_values then 'repeated_version'
        when has_in_use_update_time then 'conflicting_version'
        else 'older_version'
    end as reason_code,
    differing_columns,
    -- row_number() is an int on Spark, a bigint elsewhere
    cast(version_rank as bigint) as version_rank,
    in_use_raw_row_key,
    updated_at,
    in_use_updated_at,
    batch_loaded_at,
    batch_id,
    source_file,
    source_row_number
from compared
