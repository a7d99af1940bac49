-- Each person window's cumulative share of the service weight (service propensity x window
-- length, plus a floor), for drawing who a service contact is with.
create table service_cdf as
select
    w.person_id,
    w.start_offset,
    w.end_offset,
    sum(p.service_propensity * (w.end_offset - w.start_offset + 30)) over (order by w.person_id, w.window_no)
    / sum(p.service_propensity * (w.end_offset - w.start_offset + 30)) over () as cum_share
from person_windows as w
inner join persons as p on w.person_id = p.person_id
