-- The state grid holds every state date (each month-end and the as-of date) computed from its
-- current inputs: a row of the date with its current input fingerprint. A date is missing when
-- an earlier customer-state step was left out of a run or failed (the grid leaves out a date
-- it cannot build from current inputs), and without the as-of date's slice every mart computed
-- as of the date would be empty. (That those marts all hold the build's as-of date is the
-- generic test is_the_build_as_of_date on each one's as_of_date column.)

with

dates as (
    select * from {{ ref('int_customer_state__dates') }}
),

grid as (
    select * from {{ ref('int_customer_state__grid') }}
)

select
    dates.state_date,
    dates.is_as_of_date,
    dates.input_fingerprint
from dates
where not exists (
        select 1 from grid
        where
            grid.state_date = dates.state_date
            and grid.input_fingerprint = dates.input_fingerprint
    )
