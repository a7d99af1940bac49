"""Service interactions (calls, emails, chats, visits, complaints)."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.sql import cumulative_case
from crm_warehouse.generator.vocabulary import INTERACTION_TYPES


class InteractionsBuilder(GeneratorBase):
    """Service interactions (calls, emails, chats, visits, complaints)."""

    def build_interactions(self) -> None:
        n = max(1, round(self.config.lines * 0.06))
        start = self.config.start_date
        self.sql("""
            create table service_cdf as
            select
                w.person_id,
                w.start_offset,
                w.end_offset,
                sum(p.service_propensity * (w.end_offset - w.start_offset + 30))
                    over (order by w.person_id, w.window_no)
                / sum(p.service_propensity * (w.end_offset - w.start_offset + 30)) over () as cum_share
            from person_windows as w
            inner join persons as p on w.person_id = p.person_id
        """)
        self.sql(f"""
            create table interactions_out as
            with drawn as (
                select i, least(u('interaction_person', i), 0.999999999) as person_draw
                from range({n}) as t (i)
            ),
            placed as (
                select d.i, s.*
                from drawn as d
                asof join service_cdf as s on d.person_draw <= s.cum_share
            ),
            described as (
                select
                    p.i,
                    date '{start}' + p.start_offset
                        + floor(u('interaction_day', p.i) * (p.end_offset - p.start_offset + 1))::int
                        + interval 8 hour + to_seconds(floor(u('interaction_time', p.i) * 43200)::bigint)
                        as interaction_at,
                    {cumulative_case("interaction_type", "p.i", INTERACTION_TYPES)} as interaction_type,
                    r.customer_id,
                    r.source_system
                from placed as p
                inner join ranked_records as r
                    on p.person_id = r.person_id
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
        """)
