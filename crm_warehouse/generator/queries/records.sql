-- Customer records: the source system each is recorded in, its id there, its place in the
-- file, and how a duplicate's email and phone drift from its person (each draw is one group of
-- mutually exclusive outcomes). The other drifts are drawn where the record is typed
-- (customers_out), so they are not carried through the sorts of this query.
create table records as
with drawn as (
    select
        s.record_no,
        s.person_id,
        s.is_duplicate,
        p.customer_type,
        case
            when s.is_duplicate and u('same_system', s.record_no) < {{ shares.duplicate_same_system }} then null
            when p.customer_type = 'B2C' then {{ cumulative_case('system', 's.record_no', systems_b2c) }}
            else {{ cumulative_case('system', 's.record_no', systems_b2b) }}
        end as drawn_system,
        {{ cumulative_case('system', 's.person_id', systems_b2c) }} as primary_system_b2c,
        {{ cumulative_case('system', 's.person_id', systems_b2b) }} as primary_system_b2b,
        p.first_name,
        p.last_name,
        p.company_name,
        p.email,
        p.phone_digits,
        p.address_line,
        p.postal_no,
        p.birth_date,
        p.acquisition_channel,
        p.acquired_offset,
        p.life_days,
        p.shares_household_email,
        p.uses_generic_email,
        p.uses_switchboard,
        p.has_accented_name,
        p.has_decomposable_accent,
        p.lookalike_of_person_id is not null as is_lookalike,
        case
            when not s.is_duplicate then 'same'
            when u('dup_email', s.record_no) < {{ email_drift_cuts[0] }} then 'case_variant'
            when u('dup_email', s.record_no) < {{ email_drift_cuts[1] }} then 'missing'
            when u('dup_email', s.record_no) < {{ email_drift_cuts[2] }} then 'changed'
            when u('dup_email', s.record_no) < {{ email_drift_cuts[3] }} then 'no_contact'
            else 'same'
        end as email_drift,
        case
            when not s.is_duplicate then 'same'
            when u('dup_phone', s.record_no) < {{ phone_drift_cuts[0] }} then 'format_variant'
            when u('dup_phone', s.record_no) < {{ phone_drift_cuts[1] }} then 'missing'
            when u('dup_phone', s.record_no) < {{ phone_drift_cuts[2] }} then 'changed'
            else 'same'
        end as phone_drift
    from record_skeleton as s
    inner join persons as p on s.person_id = p.person_id
),

with_system as (
    select
        *,
        coalesce(
            drawn_system,
            case when customer_type = 'B2C' then primary_system_b2c else primary_system_b2b end
        ) as source_system
    from drawn
)

select
    *,
    case source_system
        {%- for system in source_systems %} when
            '{{ system[0] }}'
            then '{{ system[1] }}'{% endfor %}
    end || '-'
    || lpad(
        (row_number() over (partition by source_system order by u('id_order', record_no), record_no))::varchar,
        8,
        '0'
    ) as customer_id,
    -- file order: shuffled, so duplicates are not recognisable by position
    row_number() over (order by u('file_order', record_no), record_no) - 1 as file_row_number
from with_system
