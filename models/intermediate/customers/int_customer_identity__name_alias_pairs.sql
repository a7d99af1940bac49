-- Pairs of first names that may name one person (seed name_aliases): a nickname and its name
-- (bill, william), both ways, and two nicknames of one name (bill, will). A nickname may stand
-- for several names (chris: christopher, christian).
with

name_aliases as (
    select * from {{ ref('name_aliases') }}
),

related as (
    select
        alias as first_name_a,
        canonical_name as first_name_b
    from name_aliases
    union
    select
        canonical_name as first_name_a,
        alias as first_name_b
    from name_aliases
    union
    select
        a.alias as first_name_a,
        b.alias as first_name_b
    from name_aliases as a
    inner join name_aliases as b on a.canonical_name = b.canonical_name and a.alias <> b.alias
)

select
    first_name_a,
    first_name_b
from related
where first_name_a <> first_name_b
