{#-
    Guards and bookkeeping of the segment history (the customer_segments_snapshot):
    history is append-only in business time. Recording an as-of date earlier than the latest
    recorded one would put versions out of order, so it stops with a clear error; recording the
    latest date again changes nothing. Every recorded as-of date is kept in
    snapshots.segment_history_periods (a period with no change still counts as recorded).
-#}
{% macro segment_history_periods_relation() -%}
    {{ return(api.Relation.create(schema='snapshots', identifier='segment_history_periods').include(database=false)) }}
{%- endmacro %}

{% macro ensure_segment_history_periods() -%}
    {% if execute %}
        {% do run_query("create schema if not exists snapshots") %}
        {% do run_query(
            "create table if not exists " ~ segment_history_periods_relation()
            ~ " (as_of_date date primary key, recorded_at timestamp)"
        ) %}
    {% endif %}
{%- endmacro %}

{#- latest_sql: the latest recorded as-of date; by default the bookkeeping table's (which this
    creates when missing), on Spark the recorded states' -#}
{% macro assert_as_of_not_before_history(as_of_sql, last_data_sql, latest_sql=none) -%}
    {% if execute %}
        {% if latest_sql is none %}
            {{ ensure_segment_history_periods() }}
            {% set latest_sql = "(select max(as_of_date) from " ~ segment_history_periods_relation() ~ ")" %}
        {% endif %}
        {% set result = run_query(
            "select cast(" ~ as_of_sql ~ " as date) as as_of, " ~ latest_sql ~ " as latest, cast("
            ~ last_data_sql ~ " as date) as last_data"
        ) %}
        {% set as_of, latest, last_data = result.rows[0][0], result.rows[0][1], result.rows[0][2] %}
        {% if as_of is not none and last_data is not none and as_of > last_data %}
            {{ exceptions.raise_compiler_error(
                "Segment history cannot run ahead of the data: as_of_date " ~ as_of ~ " is after "
                ~ "the last day of the trusted transactions, " ~ last_data ~ ". Record dates up to "
                ~ last_data ~ " only."
            ) }}
        {% endif %}
        {% if latest is not none and as_of is not none and as_of < latest %}
            {{ exceptions.raise_compiler_error(
                "Segment history is append-only: as_of_date " ~ as_of ~ " is earlier than the latest recorded "
                ~ latest ~ ". Record later dates only, or start history afresh with "
                ~ ("drop table " ~ this ~ " (the recorded history on Spark)." if target.type == 'spark'
                   else "scripts/backfill_history.py --rebuild.")
            ) }}
        {% endif %}
    {% endif %}
{%- endmacro %}

{% macro record_segment_history_period(as_of_sql) -%}
    insert into {{ segment_history_periods_relation() }}
    select cast({{ as_of_sql }} as date), current_timestamp
    where not exists (
        select 1 from {{ segment_history_periods_relation() }} where as_of_date = cast({{ as_of_sql }} as date)
    )
{%- endmacro %}

{#- True when the relation exists in the warehouse now (not in dbt's relation cache). -#}
{% macro table_exists(relation) -%}
    {%- set found = run_query(
        "select count(*) from information_schema.tables where table_schema = '" ~ relation.schema
        ~ "' and table_name = '" ~ relation.identifier ~ "'"
    ) -%}
    {{ return(found.rows[0][0] > 0) }}
{%- endmacro %}
