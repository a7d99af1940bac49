-- Active windows per person: one, or two for customers who come back after a long gap.
create table person_windows as
with first_window as (
    select
        person_id,
        1 as window_no,
        acquired_offset as start_offset,
        least(acquired_offset + life_days, {{ span_days }}) as end_offset
    from persons
),

second_window as (
    select
        p.person_id,
        2 as window_no,
        p.acquired_offset + p.life_days + p.comeback_gap_days as start_offset,
        least(p.acquired_offset + p.life_days + p.comeback_gap_days + p.comeback_life_days, {{ span_days }})
            as end_offset
    from persons as p
    where p.wants_comeback and p.acquired_offset + p.life_days + p.comeback_gap_days <= {{ span_days }}
)

select * from first_window
union all
select * from second_window
