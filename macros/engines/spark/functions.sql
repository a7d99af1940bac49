{#-
    Spark has neither function either (its `levenshtein` is the plain distance). The same two
    functions as Spark SQL functions, in one expression each (a Spark SQL function holds one
    expression and cannot call another that uses lambdas): the text as an array of its UTF-8
    bytes, the greedy Jaro matching as an `aggregate` over the bytes of the first string, and
    the distance's table as an `aggregate` of rows, each an `aggregate` over the second string.
    A one-element `transform` names a value computed once (`v`, `mt`, `c`, `sim`, `p`). The
    floats are the same operations in the same order as DuckDB's, so the results are equal to
    the bit; make test-spark compares them with DuckDB on thousands of pairs. Like the
    PostgreSQL ones they are kept in the catalogue (in the target schema), so a BI tool or a
    notebook on the same metastore can call them too.
-#}
{% macro spark__engine_compatibility() %}
    {%- if execute -%}
        {%- do run_query("create database if not exists " ~ target.schema) -%}
        {%- do run_query(spark_jaro_winkler_function()) -%}
        {%- do run_query(spark_damerau_levenshtein_function()) -%}
    {%- endif -%}
{% endmacro %}

{#- A text's UTF-8 bytes as an array of one-byte binaries (DuckDB's two functions compare bytes) -#}
{% macro spark_utf8_bytes(text) -%}
    if(octet_length({{ text }}) = 0, cast(array() as array<binary>),
        transform(sequence(1, octet_length({{ text }})), k -> substring(encode({{ text }}, 'UTF-8'), k, 1)))
{%- endmacro %}

{% macro spark_jaro_winkler_function() %}
create or replace function {{ target.schema }}.crm_jaro_winkler(s1 string, s2 string) returns double
return if(s1 is null or s2 is null, cast(null as double), transform(array(named_struct(
    'a', {{ spark_utf8_bytes('s1') }},
    'b', {{ spark_utf8_bytes('s2') }},
    'w', greatest(0, greatest(octet_length(s1), octet_length(s2)) div 2 - 1)
)), v -> if(size(v.a) = 0 or size(v.b) = 0, cast(0 as double), transform(array(aggregate(
    sequence(0, size(v.a) - 1),
    named_struct('m1', cast(array() as array<boolean>), 'm2', array_repeat(false, size(v.b))),
    (acc, i) -> aggregate(
        array(coalesce(array_min(filter(
            if(greatest(0, i - v.w) <= least(size(v.b) - 1, i + v.w),
                sequence(greatest(0, i - v.w), least(size(v.b) - 1, i + v.w)),
                cast(array() as array<int>)),
            j -> not acc.m2[j] and v.b[j] = v.a[i])), -1)),
        acc,
        (s, j) -> named_struct('m1', concat(s.m1, array(j >= 0)), 'm2', transform(s.m2, (x, k) -> x or k = j))
    )
)), mt -> transform(array(named_struct(
    'm', size(filter(mt.m1, x -> x)),
    't', size(filter(zip_with(
        filter(transform(v.a, (x, i) -> if(mt.m1[i], x, null)), x -> x is not null),
        filter(transform(v.b, (x, j) -> if(mt.m2[j], x, null)), x -> x is not null),
        (x, y) -> x != y), z -> z)) div 2
)), c -> if(c.m = 0, cast(0 as double), transform(array(
    (c.m / size(v.a) + c.m / size(v.b) + (c.m - c.t) / c.m) / 3
), sim -> if(sim > cast(0.7 as double),
    sim + coalesce(array_min(filter(sequence(0, least(4, size(v.a), size(v.b)) - 1), i -> v.a[i] != v.b[i])),
        least(4, size(v.a), size(v.b))) * cast(0.1 as double) * (1 - sim),
    sim))[0]))[0])[0]))[0])
{% endmacro %}

{% macro spark_damerau_levenshtein_function() %}
create or replace function {{ target.schema }}.crm_damerau_levenshtein(s1 string, s2 string) returns int
return if(s1 is null or s2 is null, cast(null as int), transform(array(named_struct(
    'a', {{ spark_utf8_bytes('s1') }},
    'b', {{ spark_utf8_bytes('s2') }}
)), v -> case when size(v.a) = 0 then size(v.b) when size(v.b) = 0 then size(v.a) else aggregate(
    sequence(1, size(v.a)),
    array(array_repeat(size(v.a) + size(v.b), size(v.b) + 2),
        concat(array(size(v.a) + size(v.b)), sequence(0, size(v.b)))),
    (d, i) -> concat(d, array(aggregate(
        sequence(1, size(v.b)),
        array(size(v.a) + size(v.b), i),
        (r, j) -> concat(r, transform(array(named_struct(
            'k', if(i > 1, coalesce(array_max(filter(sequence(1, i - 1), x -> v.a[x - 1] = v.b[j - 1])), 0), 0),
            'l', if(j > 1, coalesce(array_max(filter(sequence(1, j - 1), y -> v.a[i - 1] = v.b[y - 1])), 0), 0)
        )), p -> least(
            d[i][j] + if(v.a[i - 1] = v.b[j - 1], 0, 1),
            r[j] + 1,
            d[i][j + 1] + 1,
            d[p.k][p.l] + (i - p.k - 1) + 1 + (j - p.l - 1)
        )))
    )))
)[size(v.a) + 1][size(v.b) + 1] end)[0])
{% endmacro %}
