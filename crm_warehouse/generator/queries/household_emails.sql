-- Household heads share their email with the members: rewrite the head's email too, and
-- mark every person whose email is a household's so the truth knows it is shared.
update persons set email = m.email
from (
    select distinct
        pb.household_head_id as head_id,
        p.email
    from persons as p
    inner join persons_base as pb on p.person_id = pb.person_id
    where p.is_household_member
    qualify row_number() over (partition by pb.household_head_id order by p.person_id) = 1
) as m
where persons.person_id = m.head_id and persons.customer_type = 'B2C';

alter table persons add column shares_household_email boolean;

update
    persons set shares_household_email = is_household_member
or person_id in (
    select pb.household_head_id
    from persons as p
    inner join persons_base as pb on p.person_id = pb.person_id
    where p.is_household_member
)
