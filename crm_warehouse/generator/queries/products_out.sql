-- The product master: a category by its share of products, a log-normal unit cost around the
-- category's median, a margin within its range, and a popularity rank for the Zipf-like draw
-- of products on lines.
{%- macro category(row) -%}
struct_pack(c := '{{ row[0] }}', lo := {{ row[2] }}::double, hi := {{ row[3] }}::double, m := {{ row[4] }}::double)
{%- endmacro %}
{%- set ns = namespace(acc=0.0) %}
create table products_out as
with drawn as (
    select
        t.i,
        case
            {%- for row in categories[:-1] %}
            {%- set ns.acc = ns.acc + row[1] %}
            when u('category', t.i) < {{ '%.6f' | format(ns.acc) }} then {{ category(row) }}
            {%- endfor %}
            else {{ category(categories[-1]) }}
        end as cat,
        exp(0.7 * n('cost', t.i)) as cost_factor,
        u('margin', t.i) as margin_u
    from range({{ n_products }}) as t (i)
),

priced as (
    select
        drawn.i,
        cat.c as category,
        round(cat.m * drawn.cost_factor, 2)::decimal(18, 2) as unit_cost,
        cat.lo + (cat.hi - cat.lo) * drawn.margin_u as margin
    from drawn
)

select
    i as file_row_number,
    'P' || lpad((i + 1)::varchar, 6, '0') as product_id,
    {{ pick(product_adjectives, 'adjective', 'i') }} || ' ' || category || ' item ' || (i + 1)::varchar
        as product_name,
    category,
    greatest(unit_cost, 0.5::decimal(18, 2))::decimal(18, 2) as unit_cost,
    round(greatest(unit_cost, 0.5) / (1 - margin), 2)::decimal(18, 2) as list_price,
    timestamp '{{ start_date }}' + to_days(floor(u('product_updated', i) * {{ span_days }})::int) as updated_at,
    row_number() over (order by u('popularity', i), i) as popularity_rank
from priced
