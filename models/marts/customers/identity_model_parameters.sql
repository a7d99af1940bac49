-- The identity model as a data steward reads it: per compared field and level, how often the
-- records of one person agree at that level (m), how often two different people do by chance
-- (u), and the match weight that agreeing at that level adds (log2 of m / u). The row `prior`
-- holds the share of all comparable record pairs that are one person, and its weight.
with

parameters as (
    select * from {{ ref('int_customer_identity__parameters') }}
)

select
    field_name,
    level_name,
    cast(level_code as integer) as level_code,
    {{ identity_level_description('field_name', 'level_name') }} as level_description,
    m_probability,
    u_probability,
    bayes_factor,
    match_weight
from parameters
