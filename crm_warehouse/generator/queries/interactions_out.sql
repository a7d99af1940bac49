-- Service contacts: a person window by service weight, a day within it, a type by its share
-- and one of the person's customer records; numbered in time order.
create table interactions_out as
with drawn as (
    select
        t.i,
        least(u('interaction_person', t.i), 0.999999999) as person_draw
    from range({{ n_interactions }}) as t (i)
),

placed as (
    select
        d.i,
        s.*
    from drawn as d
    asof join service_cdf as s on d.person_draw <= s.cum_share
),

described as (
    select
        p.i,
        date '{{ start_date }}' + p.start_offset
        + floor(u('interaction_day', p.i) * (p.end_offset - p.start_offset + 1))::int
        + interval 8 hour + to_seconds(floor(u('interaction_time', p.i) * 43200)::bigint) as interaction_at,
        {{ cumulative_case('interaction_type', 'p.i', interaction_types) }} as interaction_type,
        r.customer_id,
        r.source_system
    from placed as p
    inner join ranked_records as r
        on
            p.person_id = r.person_id
            and 1 + floor(u('interaction_record', p.i) * r.record_count)::int = r.record_rank
)

select
    row_number() over (order by interaction_at, i) - 1 as file_row_number,
    'I' || lpad((row_number() over (order by interaction_at, i))::varchar, 10, '0') as interaction_id,
    customer_id,
    source_system,
    interaction_at,
    interaction_type
from described
