{#-
    The build ledger, meta.dbt_invocations: one row per dbt invocation that builds or tests
    the warehouse, written when it starts ('running') and updated when it ends ('success' or
    'failed', with the number of failed nodes). A build that is killed stays 'running'.
    scripts/publish.py reads it: it publishes only when the latest invocation that wrote models
    finished with every node passing, so a failed, killed or running build is never served.
    On Spark without Delta there is no UPDATE: the ledger is partitioned by invocation and the
    end of a build overwrites its own partition (spark_ledger_row).
-#}
{% macro build_ledger_commands() %}
    {{- return({'build': true, 'run': true, 'seed': true, 'snapshot': true, 'test': false}) -}}
{% endmacro %}

{% macro record_invocation_start() %}
    {%- set command = invocation_args_dict.get('which') -%}
    {%- if execute and command in build_ledger_commands() and target.type == 'spark' -%}
        {{ spark_ledger_row(command, 'running', none) }}
    {%- elif execute and command in build_ledger_commands() -%}
        create schema if not exists meta;
        create table if not exists meta.dbt_invocations (
            invocation_id varchar primary key,
            command varchar not null,
            writes_models boolean not null,
            started_at timestamp not null,
            finished_at timestamp,
            status varchar not null,
            failed_node_count integer
        );
        insert into meta.dbt_invocations
        values (
            '{{ invocation_id }}', '{{ command }}', {{ build_ledger_commands()[command] }},
            cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp), null, 'running', null
        );
    {%- endif -%}
{% endmacro %}

{% macro record_invocation_end(results) %}
    {%- set command = invocation_args_dict.get('which') -%}
    {%- if execute and command in build_ledger_commands() -%}
        {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error', 'skipped']) | list -%}
    {%- endif -%}
    {%- if execute and command in build_ledger_commands() and target.type == 'spark' -%}
        {{ spark_ledger_row(command, "failed" if failed else "success", failed | length) }}
    {%- elif execute and command in build_ledger_commands() -%}
        update meta.dbt_invocations
        set
            finished_at = cast(current_timestamp at time zone 'UTC' as timestamp),
            status = '{{ "failed" if failed else "success" }}',
            failed_node_count = {{ failed | length }}
        where invocation_id = '{{ invocation_id }}';
    {%- endif -%}
{% endmacro %}

{#- Spark: the ledger row of this invocation, written over its own partition (the table is made first) -#}
{% macro spark_ledger_row(command, status, failed_node_count) %}
    {%- do run_query('create schema if not exists meta') -%}
    {%- do run_query(
        'create table if not exists meta.dbt_invocations (command string, writes_models boolean, '
        ~ 'started_at timestamp, finished_at timestamp, status string, failed_node_count int, '
        ~ 'invocation_id string) using parquet partitioned by (invocation_id)'
    ) -%}
    insert overwrite table meta.dbt_invocations partition (invocation_id = '{{ invocation_id }}')
    select
        '{{ command }}',
        {{ build_ledger_commands()[command] }},
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp),
        {{ "cast(null as timestamp)" if status == "running" else "current_timestamp()" }},
        '{{ status }}',
        cast({{ "null" if failed_node_count is none else failed_node_count }} as int)
{% endmacro %}
