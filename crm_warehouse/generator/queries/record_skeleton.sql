-- One first record per person, then the duplicate records, each of a person drawn uniformly.
create table record_skeleton as
select
    t.r as record_no,
    t.r as person_id,
    false as is_duplicate
from range({{ n_persons }}) as t (r)
union all
select
    {{ n_persons }} + t.d as record_no,
    floor(u('dup_person', t.d) * {{ n_persons }})::int as person_id,
    true as is_duplicate
from range({{ n_duplicates }}) as t (d)
