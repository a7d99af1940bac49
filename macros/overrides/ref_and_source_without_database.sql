{#-
    References render as schema.table, without the database (catalog). DuckDB 1.5 stores a
    view's references as written, and the catalog name is the warehouse file's name: a
    catalog-qualified view breaks when the file is copied or renamed, or when a BI tool
    attaches it under another alias. Schema-qualified references resolve inside the view's
    own catalog in every case (DECISIONLOG.md; fixed upstream after DuckDB 1.5.5).
-#}
{% macro ref() -%}
    {%- set relation = builtins.ref(*varargs, **kwargs) -%}
    {{ return(relation.include(database=false)) }}
{%- endmacro %}

{% macro source() -%}
    {%- set relation = builtins.source(*varargs, **kwargs) -%}
    {{ return(relation.include(database=false)) }}
{%- endmacro %}
