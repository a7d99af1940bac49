{#-
    What Spark needs to read the project's type names. The contracts and seeds spell types as
    DuckDB and PostgreSQL read them (varchar, double precision); Spark's varchar needs a length
    and it has no `double precision`, so on Spark these names are translated where dbt writes a
    type into SQL: in the contract check (dbt's cast) and in a seed's table. Every other type
    name of the project (bigint, integer, date, timestamp, boolean, decimal(p, s)) is Spark's too.
-#}
{% macro spark_type(data_type) -%}
    {%- set name = data_type | trim | lower -%}
    {%- set names = {'varchar': 'string', 'text': 'string', 'double precision': 'double', 'varchar[]': 'array<string>'} -%}
    {{- names.get(name, data_type) -}}
{%- endmacro %}

{#- dbt's cast on Spark, with the type translated (dbt's contract check casts null to each column's type) -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{#- dbt-spark's seed table (its spark__create_csv_table), with the column types translated -#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
                {%- if not loop.last -%}, {%- endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}

{#- dbt-spark's seed rows (its spark__load_csv_rows), each value cast to the translated type -#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set bindings = [] -%}
        {%- for row in chunk -%}
            {%- do bindings.extend(row) -%}
        {%- endfor -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set type = spark_type(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
                    cast({{ get_binding_char() }} as {{ type }})
                    {%- if not loop.last %},{% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, bindings=bindings, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{#-
    dbt's listagg on Spark, in the given order: dbt-spark's drops the order by (with a warning),
    so a list such as a customer's source systems came out in any order. The values are
    collected with their sort key and sorted; the order by is one expression, ascending.
-#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if limit_num -%}
        {{ exceptions.raise_compiler_error("listagg with a limit is not ported to Spark") }}
    {%- endif -%}
    {%- if order_by_clause -%}
        {%- set key = order_by_clause | trim -%}
        {%- if not key.lower().startswith('order by ') or ',' in key or key.lower().endswith(' desc') -%}
            {{ exceptions.raise_compiler_error("listagg on Spark takes one ascending order by expression, not '" ~ order_by_clause ~ "'") }}
        {%- endif -%}
        array_join(transform(
            array_sort(collect_list(case when {{ measure }} is not null then named_struct('k', {{ key[9:] }}, 'v', {{ measure }}) end)),
            x -> x.v
        ), {{ delimiter_text }})
    {%- else -%}
        array_join(collect_list({{ measure }}), {{ delimiter_text }})
    {%- endif -%}
{%- endmacro %}
