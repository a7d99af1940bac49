{#-
    What an engine needs before the project's SQL runs on it (an on-run-start hook).

    PostgreSQL has neither Jaro-Winkler nor Damerau-Levenshtein. `crm_jaro_winkler` and
    `crm_damerau_levenshtein` are DuckDB's `jaro_winkler_similarity` and `damerau_levenshtein`
    in PL/pgSQL, to the bit: on the bytes of the UTF-8 text as DuckDB counts them, the Winkler
    prefix bonus (0.1 a character, at most 4) only above a Jaro similarity of 0.7, 0 for an
    empty string, and the unrestricted distance (transpositions of any distance apart,
    Lowrance-Wagner). A test compares them with DuckDB on thousands of pairs.
    (The 8-byte float, which PostgreSQL spells `double precision`, is type_double() in the
    models and `double precision` in the contracts and seeds: DuckDB reads both spellings.)
-#}
{% macro engine_compatibility() %}
    {{- return(adapter.dispatch('engine_compatibility', 'crm_warehouse')()) -}}
{% endmacro %}

{% macro default__engine_compatibility() %}{% endmacro %}

{% macro postgres__engine_compatibility() %}
create or replace function public.crm_jaro_winkler(s1 text, s2 text) returns double precision
language plpgsql immutable strict parallel safe as $fn$
declare
    a bytea := convert_to(s1, 'UTF8');
    b bytea := convert_to(s2, 'UTF8');
    l1 integer := length(a);
    l2 integer := length(b);
    win integer;
    m1 boolean[];
    m2 boolean[];
    m integer := 0;
    t integer := 0;
    k integer := 0;
    p integer := 0;
    c integer;
    sim double precision;
begin
    if l1 = 0 or l2 = 0 then
        return 0.0;
    end if;
    win := greatest(0, greatest(l1, l2) / 2 - 1);
    m1 := array_fill(false, array[l1]);
    m2 := array_fill(false, array[l2]);
    for i in 0..l1 - 1 loop
        c := get_byte(a, i);
        for j in greatest(0, i - win)..least(l2 - 1, i + win) loop
            if not m2[j + 1] and get_byte(b, j) = c then
                m1[i + 1] := true;
                m2[j + 1] := true;
                m := m + 1;
                exit;
            end if;
        end loop;
    end loop;
    if m = 0 then
        return 0.0;
    end if;
    for i in 0..l1 - 1 loop
        if m1[i + 1] then
            while not m2[k + 1] loop
                k := k + 1;
            end loop;
            if get_byte(a, i) <> get_byte(b, k) then
                t := t + 1;
            end if;
            k := k + 1;
        end if;
    end loop;
    t := t / 2;
    sim := (m::double precision / l1 + m::double precision / l2 + (m - t)::double precision / m) / 3;
    if sim > 0.7::double precision then
        for i in 0..least(4, l1, l2) - 1 loop
            exit when get_byte(a, i) <> get_byte(b, i);
            p := p + 1;
        end loop;
        sim := sim + p * 0.1::double precision * (1 - sim);
    end if;
    return sim;
end
$fn$;

create or replace function public.crm_damerau_levenshtein(s1 text, s2 text) returns integer
language plpgsql immutable strict parallel safe as $fn$
declare
    a bytea := convert_to(s1, 'UTF8');
    b bytea := convert_to(s2, 'UTF8');
    la integer := length(a);
    lb integer := length(b);
    maxdist integer := la + lb;
    d integer[];
    da integer[] := array_fill(0, array[256]);
    db integer;
    i1 integer;
    j1 integer;
    cost integer;
    w integer := lb + 2;
begin
    -- d is (la + 2) x (lb + 2), row-major, 0-based index i * w + j stored at [i * w + j + 1]
    d := array_fill(0, array[(la + 2) * w]);
    d[1] := maxdist;
    for i in 0..la loop
        d[(i + 1) * w + 1] := maxdist;
        d[(i + 1) * w + 2] := i;
    end loop;
    for j in 0..lb loop
        d[j + 2] := maxdist;
        d[w + j + 2] := j;
    end loop;
    for i in 1..la loop
        db := 0;
        for j in 1..lb loop
            i1 := da[get_byte(b, j - 1) + 1];
            j1 := db;
            if get_byte(a, i - 1) = get_byte(b, j - 1) then
                cost := 0;
                db := j;
            else
                cost := 1;
            end if;
            d[(i + 1) * w + j + 2] := least(
                d[i * w + j + 1] + cost,
                d[(i + 1) * w + j + 1] + 1,
                d[i * w + j + 2] + 1,
                d[i1 * w + j1 + 1] + (i - i1 - 1) + 1 + (j - j1 - 1)
            );
        end loop;
        da[get_byte(a, i - 1) + 1] := i;
    end loop;
    return d[(la + 1) * w + lb + 2];
end
$fn$
{% endmacro %}

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

{#- The ISO day of the week of a date, 1 (Monday) to 7 (Sunday). -#}
{% macro iso_day_of_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week', 'crm_warehouse')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(date_expression) %}extract(isodow from {{ date_expression }}){% endmacro %}

{% macro spark__iso_day_of_week(date_expression) %}extract(dayofweek_iso from {{ date_expression }}){% endmacro %}

{#- Text of any length: `varchar` on DuckDB and PostgreSQL, `string` on Spark (whose varchar needs a length). -#}
{% macro type_text() -%}
    {{ return(adapter.dispatch('type_text', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__type_text() %}varchar{% endmacro %}

{% macro spark__type_text() %}string{% endmacro %}

{#- The 8-byte float: `double` on DuckDB and Spark, `double precision` on PostgreSQL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() %}double{% endmacro %}

{% macro postgres__type_double() %}double precision{% endmacro %}

{#-
    A float amount as money: rounded to the cent (half up) in float arithmetic, then a DECIMAL.
    A direct cast rounds differently per engine (PostgreSQL converts a float through 15
    significant digits, DuckDB from its exact value), so an amount near half a cent could come
    out one cent apart; the float rounding is the same on every engine.
-#}
{% macro cents(expression) -%}
    cast(floor(({{ expression }}) * 100 + 0.5) / 100 as decimal(38, 2))
{%- endmacro %}
