{#-
    The segment history, one design on every engine (DuckDB, PostgreSQL, Spark):

    1. segment_history_dates_to_record() below plans the dates a build is asked to record (the
       as-of date, or the month-ends of record_history_month_ends) and refuses what must not be
       recorded: history is append-only in business time.
    2. The recorders write each planned date: int_segment_history__state_changes keeps the
       tracked values of the customers whose values changed since their previous recorded date
       (and of customers seen for the first time); int_segment_history__period_revenue keeps the
       date's window revenue.
    3. int_segment_history__recorded_dates, the ledger, runs after both recorders and records
       the planned dates: a date is recorded only once every recorder wrote it. Rows a recorder
       wrote for a date the ledger never recorded (the other recorder failed) are removed by
       its next run (segment_history_forget_unrecorded) and written again if the date is still
       planned, so a failure part-way loses nothing and claims nothing.
    4. customer_segment_versions derives the SCD2 versions from the changes (one rule:
       segment_history_is_change), and customer_segment_history spreads them over the recorded
       dates.
-#}

{#- The segment values the history tracks: a change in any of them opens a new version. -#}
{% macro segment_history_tracked_columns() -%}
    {{ return(['abc_class', 'profit_decile', 'rfm_segment', 'lifecycle_stage', 'loyalty_tier']) }}
{%- endmacro %}

{#- True on a customer's first row and where a tracked value differs from their row before. -#}
{% macro segment_history_is_change(order_by='as_of_date') -%}
    (
        row_number() over (partition by customer_key order by {{ order_by }}) = 1
        {%- for column in segment_history_tracked_columns() %}
        or {{ column }} is distinct from lag({{ column }}) over (partition by customer_key order by {{ order_by }})
        {%- endfor %}
    )
{%- endmacro %}

{#- The models that write each recorded date's rows, before the ledger records the date. -#}
{% macro segment_history_recorders() -%}
    {{ return(['int_segment_history__state_changes', 'int_segment_history__period_revenue']) }}
{%- endmacro %}

{#- The relation of one of this project's models, found in the graph rather than through ref()
    (the recorders must not depend on the ledger, which depends on them); none before it exists. -#}
{% macro segment_history_relation(model_name) -%}
    {%- if not execute %}{{ return(none) }}{% endif %}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.name == model_name %}
        {{ return(adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias)) }}
    {%- endfor %}
    {{ return(none) }}
{%- endmacro %}

{#- The dates recorded so far (a relation, or a parenthesised query, with an as_of_date column):
    the ledger (int_segment_history__recorded_dates); before its first run, the recorded dates of
    an upgraded snapshot history when there is one; else none (nothing recorded yet). -#}
{% macro segment_history_recorded_dates() -%}
    {%- set ledger = segment_history_relation('int_segment_history__recorded_dates') %}
    {%- if ledger is not none %}{{ return(ledger) }}{% endif %}
    {{ return(segment_history_adopted_dates()) }}
{%- endmacro %}

{#- The dates a snapshot history of an earlier version of this project recorded, as a
    parenthesised query (as_of_date, recorded_at): those of its recorded periods and those its
    versions start on (a version's date missing from the periods is recorded too, when its
    version was written); none when there is no snapshot history (always on Spark). -#}
{% macro segment_history_adopted_dates() -%}
    {%- set periods = segment_history_snapshot_table('segment_history_periods', first_run_only=false) %}
    {%- set versions = segment_history_snapshot_table('customer_segments_snapshot', first_run_only=false) %}
    {%- if periods is none and versions is none %}{{ return(none) }}{% endif %}
    {%- set parts = [] %}
    {%- if periods is not none %}
        {%- do parts.append('select as_of_date, cast(recorded_at as timestamp) as recorded_at, 0 as priority from '
            ~ periods) %}
    {%- endif %}
    {%- if versions is not none %}
        {%- do parts.append('select cast(dbt_valid_from as date) as as_of_date, cast(dbt_updated_at as timestamp)'
            ~ ' as recorded_at, 1 as priority from ' ~ versions) %}
    {%- endif %}
    {#- a period's own time first, else the earliest time a version of that date was written #}
    {{ return('(select as_of_date, min(recorded_at) as recorded_at from (select as_of_date, recorded_at, '
        ~ 'rank() over (partition by as_of_date order by priority) as preferred from ('
        ~ parts | join(' union all ') ~ ') as dated) as ranked where preferred = 1 group by as_of_date)') }}
{%- endmacro %}

{#- A select of the planned dates (as_of_date), those of the state grid in `days`. -#}
{% macro segment_history_dates_select(days) -%}
    select state_date as as_of_date
    from {{ ref('int_customer_state__dates') }}
    {%- if days %}
    where state_date in ({% for day in days %}cast('{{ day }}' as date){{ ', ' if not loop.last }}{% endfor %})
    {%- else %}
    where false
    {%- endif %}
{%- endmacro %}

{#- What a recorder writes this run: a select of the dates the build records (planned against
    the ledger, exactly as the ledger plans them after the recorders) and of the ledger's dates
    after the latest one the recorder holds (`written`: its own table; on a first run, what it
    adopted, or none: every recorded date), which an earlier version of this project, recording
    the ledger first, may have left unwritten. -#}
{% macro segment_history_dates_to_write(announce=false, written=none) -%}
    {%- set ledger = segment_history_relation('int_segment_history__recorded_dates') %}
    {%- set written = this if is_incremental() else written %}
    {{ segment_history_dates_select(segment_history_dates_to_record(segment_history_recorded_dates(), announce)) }}
    {%- if ledger is not none %}
    union
    select ledger.as_of_date
    from {{ ledger }} as ledger
    {%- if written is not none %}
    where ledger.as_of_date > coalesce(
        (select max(written.as_of_date) from {{ written }} as written), cast('0001-01-01' as date)
    )
    {%- endif %}
    {%- endif %}
{%- endmacro %}

{#- A recorder's pre-hook: removes its rows of dates the ledger has not recorded (written by a
    run in which another recorder or the ledger failed), so the dates still planned are written
    afresh and the others leave nothing behind. DELETE on DuckDB and PostgreSQL; on Spark, whose
    Parquet tables have no DELETE, the dates' partitions are dropped. Empty when there is nothing
    to remove (dbt skips an empty hook). -#}
{% macro segment_history_forget_unrecorded() -%}
    {%- if not execute or not is_incremental() %}{{ return('') }}{% endif %}
    {%- set recorded = segment_history_recorded_dates() %}
    {%- set unrecorded -%}
        select distinct cast(as_of_date as {{ type_text() }}) from {{ this }}
        {%- if recorded is not none %}
        where as_of_date not in (select recorded.as_of_date from {{ recorded }} as recorded)
        {%- endif %}
    {%- endset %}
    {%- set days = run_query(unrecorded).columns[0].values() | list %}
    {%- if not days %}{{ return('') }}{% endif %}
    {{ print("segment history: " ~ this.identifier ~ ": removing its rows of " ~ days | length
        ~ " date(s) never recorded (" ~ days | sort | join(', ') ~ "), written by a run that failed part-way") }}
    {%- set specs, literals = [], [] %}
    {%- for day in days | sort %}
        {%- do specs.append("partition (as_of_date = '" ~ day ~ "')") %}
        {%- do literals.append("cast('" ~ day ~ "' as date)") %}
    {%- endfor %}
    {%- if target.type == 'spark' %}
        {{ return('alter table ' ~ this ~ ' drop if exists ' ~ specs | join(', ')) }}
    {%- endif %}
    {{ return('delete from ' ~ this ~ ' where as_of_date in (' ~ literals | join(', ') ~ ')') }}
{%- endmacro %}

{#- The ledger's check before it records `days`: each recorder either ran in this invocation
    (dbt runs the ledger only after its recorders succeeded) or already holds rows of every such
    date (as after `dbt retry` of the one that failed). Otherwise the ledger, run on its own,
    would claim dates whose states were never written, and no later run would write them. -#}
{% macro segment_history_check_recorders(days) -%}
    {#- only where the ledger writes (dbt compile or docs generate of it alone write nothing) #}
    {%- if not execute or not days or flags.WHICH not in ['run', 'build', 'retry'] %}{{ return(none) }}{% endif %}
    {%- for name in segment_history_recorders() if 'model.' ~ project_name ~ '.' ~ name not in selected_resources %}
        {%- set relation = segment_history_relation(name) %}
        {%- set held = [] if relation is none else run_query(
            "select distinct cast(as_of_date as " ~ type_text() ~ ") from " ~ relation
        ).columns[0].values() | list %}
        {%- set missing = days | reject('in', held) | list %}
        {%- if missing %}
            {{ exceptions.raise_compiler_error(
                "segment history: " ~ name ~ " has not written " ~ missing | join(', ')
                ~ ", so the ledger cannot record it: a date is recorded only once every recorder wrote it. Run the "
                ~ "recorders with the ledger: dbt run --select " ~ segment_history_recorders() | join('+ ')
                ~ "+ (or scripts/backfill_history.py for month-ends)"
            ) }}
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- Upgrading from a version of this project that kept the history in a dbt snapshot: on the
    first run of a recorder (or of any model with first_run_only false), the snapshot's table of
    that name (segment_history_periods: the recorded dates; customer_segments_snapshot: the
    versions) when it is there, else none. The recorders adopt its rows, so the history recorded
    so far is kept. -#}
{% macro segment_history_snapshot_table(identifier, first_run_only=true) -%}
    {#- Spark never had the snapshot #}
    {%- if not execute or (first_run_only and is_incremental()) or target.type == 'spark' %}{{ return(none) }}{% endif %}
    {{ return(adapter.get_relation(database=target.database, schema='snapshots', identifier=identifier)) }}
{%- endmacro %}

{#- The month-ends from the month of `first` to the month of `last` (datetime.date values). -#}
{% macro segment_history_month_ends(first, last) -%}
    {%- set ends = [] %}
    {%- for offset in range((last.year - first.year) * 12 + last.month - first.month + 1) %}
        {%- set index = first.month - 1 + offset %}
        {%- set year, month = first.year + index // 12, index % 12 + 1 %}
        {%- set next_month = modules.datetime.date(year + month // 12, month % 12 + 1, 1) %}
        {%- do ends.append(next_month - modules.datetime.timedelta(days=1)) %}
    {%- endfor %}
    {{ return(ends) }}
{%- endmacro %}

{#- A 'YYYY-MM' month of record_history_month_ends, as its first day (none when not given). -#}
{% macro segment_history_month(request, key) -%}
    {%- set text = request.get(key) if request is mapping else none %}
    {%- if text is none %}{{ return(none) }}{% endif %}
    {%- set parts = (text | string).split('-') %}
    {%- if parts | length != 2 or not parts[0].isdigit() or not parts[1].isdigit()
        or parts[0] | length != 4 or (parts[1] | int) < 1 or (parts[1] | int) > 12 %}
        {{ exceptions.raise_compiler_error(
            "record_history_month_ends: '" ~ key ~ "' must be a month written YYYY-MM, such as 2025-07 (got '"
            ~ text ~ "')"
        ) }}
    {%- endif %}
    {{ return(modules.datetime.date(parts[0] | int, parts[1] | int, 1)) }}
{%- endmacro %}

{#- The dates this build records in the segment history, in order, after the checks that keep
    it append-only and within the data. Asked of the warehouse when the recorder runs.
    var record_history_month_ends: null records the as-of date of the build; {from: YYYY-MM,
    to: YYYY-MM} (either may be null: the first month-end the state grid holds, the last one
    the data covers) records those month-ends instead, in one pass. When the var is null, the
    same request may come as JSON in the environment variable CRM_RECORD_HISTORY_MONTH_ENDS
    (how scripts/backfill_history.py asks). A date already recorded is skipped; one before the
    latest recorded date, after the data or missing from the state grid is refused, and nothing
    is recorded. recorded: the dates recorded so far (the ledger, or an adopted snapshot's; none when nothing is). -#}
{% macro segment_history_dates_to_record(recorded, announce=true) -%}
    {#- referenced before the return, so dbt sees the dependencies when it parses the model #}
    {%- set as_of_relation, dates_relation = ref('int_customer_state__as_of'), ref('int_customer_state__dates') %}
    {#- nothing to plan while parsing, or when compiling before the state is built (docs generate) #}
    {%- if not execute or load_relation(dates_relation) is none %}{{ return([]) }}{% endif %}
    {%- set request = var('record_history_month_ends') %}
    {#- scripts/backfill_history.py asks through the environment: read only when running (never
        while parsing), so a backfill reuses the project's parse rather than parsing it afresh #}
    {%- set asked = env_var('CRM_RECORD_HISTORY_MONTH_ENDS', '') %}
    {%- if request is none and asked != '' %}
        {%- set request = fromjson(asked) %}
        {%- if request is not mapping %}
            {{ exceptions.raise_compiler_error(
                'CRM_RECORD_HISTORY_MONTH_ENDS must be JSON such as {"from": "2025-01", "to": "2025-12"}, got: '
                ~ asked
            ) }}
        {%- endif %}
    {%- endif %}
    {%- if request is not none and request is not mapping %}
        {{ exceptions.raise_compiler_error(
            "record_history_month_ends must be null or {from: YYYY-MM, to: YYYY-MM} (got '" ~ request ~ "')"
        ) }}
    {%- endif %}
    {%- set span = run_query(
        "select cast(as_of_date as " ~ type_text() ~ "), cast(first_data_date as " ~ type_text()
        ~ "), cast(last_data_date as " ~ type_text() ~ ") from " ~ as_of_relation
    ).rows[0] %}
    {%- set as_of, first_day, last_day = span[0], span[1], span[2] %}
    {%- set grid = run_query(
        "select cast(state_date as " ~ type_text() ~ "), is_month_end from " ~ dates_relation
    ).rows %}
    {%- set grid_dates = grid | map(attribute=0) | list %}
    {%- set recorded_dates = [] if recorded is none else run_query(
        "select cast(as_of_date as " ~ type_text() ~ ") from " ~ recorded ~ " as recorded"
    ).rows | map(attribute=0) | list %}
    {%- set latest = recorded_dates | max if recorded_dates else none %}

    {%- if request is none %}
        {%- set requested = [as_of] %}
    {%- else %}
        {%- set to_date = modules.datetime.date.fromisoformat %}
        {%- set first_month, last_month = segment_history_month(request, 'from'), segment_history_month(request, 'to') %}
        {%- set grid_month_ends = grid | selectattr(1) | map(attribute=0) | list | sort %}
        {%- set first = first_month if first_month is not none
            else to_date(grid_month_ends[0] if grid_month_ends else first_day) %}
        {%- set last = last_month if last_month is not none else to_date(last_day) %}
        {%- set ends = segment_history_month_ends(first, last) %}
        {%- if last_month is none and ends and ends[-1] > to_date(last_day) %}{% do ends.pop() %}{% endif %}
        {%- if not ends %}
            {{ exceptions.raise_compiler_error(
                "record_history_month_ends: no month-end between " ~ first ~ " and " ~ last_day
                ~ " (the data does not cover a whole month there)"
            ) }}
        {%- endif %}
        {%- set requested = ends | map('string') | list %}
        {%- for day in requested if day < first_day %}{% if loop.first %}
            {%- set first_end = segment_history_month_ends(to_date(first_day), to_date(first_day))[0] %}
            {{ exceptions.raise_compiler_error(
                "month-end " ~ day ~ " is before the data: the trusted transactions start on " ~ first_day
                ~ ", so there is no customer state to record yet; the first month-end you can record is "
                ~ first_end ~ " (month " ~ first_end.strftime('%Y-%m') ~ ")"
            ) }}
        {%- endif %}{% endfor %}
        {%- for day in requested if day > last_day %}{% if loop.first %}
            {%- set last_end = segment_history_month_ends(to_date(last_day), to_date(last_day))[0] %}
            {%- if last_end > to_date(last_day) %}
                {%- set last_end = to_date(last_day).replace(day=1) - modules.datetime.timedelta(days=1) %}
            {%- endif %}
            {{ exceptions.raise_compiler_error(
                "history cannot run ahead of the data: month-end " ~ day ~ " is after the last day of the "
                ~ "trusted transactions, " ~ last_day ~ "; the last month-end you can record is " ~ last_end
                ~ " (month " ~ last_end.strftime('%Y-%m') ~ ")"
            ) }}
        {%- endif %}{% endfor %}
    {%- endif %}

    {%- set todo = requested | reject('in', recorded_dates) | list %}
    {%- for day in todo if latest is not none and day < latest %}{% if loop.first %}
        {{ exceptions.raise_compiler_error(
            "history is append-only: " ~ day ~ " is before the latest recorded as-of date " ~ latest
            ~ " and is not recorded; record later dates only, or start the history afresh "
            ~ "(scripts/backfill_history.py --rebuild)"
        ) }}
    {%- endif %}{% endfor %}

    {%- for day in todo if day not in grid_dates %}{% if loop.first %}
        {{ exceptions.raise_compiler_error(
            "the customer state of " ~ day ~ " is not in the warehouse (the state grid starts at "
            ~ (grid | selectattr(1) | map(attribute=0) | min) ~ "); set the dbt var history_start_date earlier "
            ~ "and run `dbt build` first"
        ) }}
    {%- endif %}{% endfor %}
    {%- set skipped = requested | length - todo | length %}
    {%- if skipped and announce %}
        {{ print("segment history: " ~ skipped ~ " of " ~ requested | length
            ~ " date(s) already recorded, nothing to change there") }}
    {%- endif %}
    {%- if todo and announce %}
        {{ print("segment history: recording " ~ todo | length ~ " date(s), " ~ todo[0] ~ " to " ~ todo[-1]
            ~ ", in one pass") }}
    {%- endif %}
    {{ return(todo) }}
{%- endmacro %}

{#- `dbt run-operation forget_segment_history`: drops the recorded history (the recorded dates,
    the state changes, the period revenue, and the snapshot tables of earlier versions of this
    project) so it can be recorded afresh. scripts/backfill_history.py --rebuild runs it with the
    month-ends of the recording that follows (CRM_RECORD_HISTORY_MONTH_ENDS): its checks run
    first, as if nothing were recorded, so a recording that would be refused drops nothing. -#}
{% macro forget_segment_history() -%}
    {%- do segment_history_dates_to_record(none, announce=false) %}
    {%- set recorders = [
        ref('int_segment_history__recorded_dates'),
        ref('int_segment_history__state_changes'),
        ref('int_segment_history__period_revenue'),
    ] %}
    {%- for name in (['customer_segments_snapshot', 'segment_history_periods'] if target.type != 'spark' else []) %}
        {%- do recorders.append(api.Relation.create(database=target.database, schema='snapshots', identifier=name)) %}
    {%- endfor %}
    {%- for relation in recorders %}
        {%- set found = adapter.get_relation(
            database=relation.database, schema=relation.schema, identifier=relation.identifier
        ) %}
        {%- if found is not none %}
            {% do adapter.drop_relation(found) %}
            {{ print("segment history: dropped " ~ found) }}
        {%- endif %}
    {%- endfor %}
    {#- DuckDB and PostgreSQL ran the drops in the operation's transaction: commit it (Spark has none) #}
    {%- if target.type != 'spark' %}
        {%- call statement('forget_segment_history', auto_begin=true) %}select 1{% endcall %}
        {%- do adapter.commit() %}
    {%- endif %}
{%- endmacro %}
