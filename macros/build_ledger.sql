{#-
    The build ledger, meta.dbt_invocations: one row per dbt invocation that builds or tests
    the warehouse, written when it starts ('running') and updated when it ends ('success' or
    'failed', with the number of failed nodes). A build that is killed stays 'running'.
    scripts/publish.py reads it: it publishes only when the latest invocation that wrote models
    finished with every node passing, so a failed, killed or running build is never served.
-#}
{% macro build_ledger_commands() %}
    {{- return({'build': true, 'run': true, 'seed': true, 'snapshot': true, 'test': false}) -}}
{% endmacro %}

{% macro record_invocation_start() %}
    {%- set command = invocation_args_dict.get('which') -%}
    {%- if execute and command in build_ledger_commands() -%}
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
        update meta.dbt_invocations
        set
            finished_at = cast(current_timestamp at time zone 'UTC' as timestamp),
            status = '{{ "failed" if failed else "success" }}',
            failed_node_count = {{ failed | length }}
        where invocation_id = '{{ invocation_id }}';
    {%- endif -%}
{% endmacro %}
