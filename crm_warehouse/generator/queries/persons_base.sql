-- The true people behind the customer records, before households and companies are joined.
-- A look-alike is a B2C person who takes the name and postal code of another B2C person (who
-- is no look-alike and joins no household, so what is copied is what that person shows).
create table persons_base as
with drawn as (
    select
        t.p as person_id,
        case
            when u('type', t.p) < {{ b2c_share }} then 'B2C'
            when u('type', t.p) < {{ b2c_or_b2b_share }} then 'B2B'
            else 'B2G'
        end as customer_type,
        case
            when u('accented', t.p) < {{ shares.accented_person }}
                then case when u('accent_field', t.p) < 0.5 then 'first' else 'last' end
        end as accent_field,
        case
            when u('accented', t.p) < {{ shares.accented_person }} and u('accent_field', t.p) < 0.5
                then {{ pick(accented_first_names, 'accented_first', 't.p') }}
            else {{ pick(first_names, 'first', 't.p') }}
        end as first_name,
        case
            when u('accented', t.p) < {{ shares.accented_person }} and u('accent_field', t.p) >= 0.5
                then {{ pick(accented_last_names, 'accented_last', 't.p') }}
            else {{ pick(last_names, 'last', 't.p') }}
        end as last_name,
        floor(u('company', t.p) * {{ n_companies }})::int as company_no,
        {{ phone_digits('area', 'phone', 't.p') }} as phone_digits,
        (1 + floor(u('house', t.p) * 1999))::int::varchar || ' '
        || {{ pick(streets, 'street', 't.p') }} || ' '
        || (['street', 'avenue', 'road', 'lane', 'drive'])[1 + floor(u('street_kind', t.p) * 5)::int]
            as address_line,
        (10000 + floor(u('postal', t.p) * 89999))::int as postal_no,
        {{ pick(email_domains, 'domain', 't.p') }} as email_domain,
        date '{{ start_date }}' - 365 * 18 - floor(u('age', t.p) * 365 * 62)::int as true_birth_date,
        {{ pick(acquisition_channels, 'acq_channel', 't.p') }} as acquisition_channel,
        -- growth: later acquisition dates are more frequent (u^0.7 leans towards 1)
        floor(pow(u('acquired', t.p), 0.7) * {{ span_days }})::int as acquired_offset,
        case
            when u('one_timer', t.p) < {{ shares.one_time_buyer }} then 0
            else floor(-600 * ln(1 - u('life', t.p)))::int
        end as life_days,
        exp(1.1 * n('propensity', t.p)) as spend_propensity,
        case
            when u('serial_returner', t.p) < {{ shares.serial_returner }} then 0.30 + 0.2 * u('return_rate', t.p)
            else 0.01 + 0.04 * u('return_rate', t.p)
        end as return_rate,
        exp(0.8 * n('service', t.p))
        * case when u('heavy_service', t.p) < {{ shares.heavy_service_user }} then 8 else 1 end as service_propensity,
        u('comeback', t.p) < {{ shares.comeback }} as wants_comeback,
        400 + floor(u('gap', t.p) * 400)::int as comeback_gap_days,
        floor(-300 * ln(1 - u('life2', t.p)))::int as comeback_life_days,
        t.p > 0 and u('household', t.p) < {{ rates.household_member }} as joins_household,
        floor(u('household_head', t.p) * t.p)::int as household_head_id,
        -- only B2C persons who join no household (whose name and address stay theirs); the band
        -- is widened by the share who join one, so the share is of all B2C persons
        t.p > 0
        and u('type', t.p) < {{ b2c_share }}
        and u('household', t.p) >= {{ rates.household_member }}
        and u('lookalike', t.p) < {{ lookalike_band }} as is_lookalike
    from range({{ n_persons }}) as t (p)
),

originals as (
    select
        person_id,
        first_name,
        last_name,
        postal_no,
        accent_field,
        row_number() over (order by person_id) - 1 as original_no
    from drawn
    where customer_type = 'B2C' and not is_lookalike and not joins_household
),

lookalikes as (
    select
        person_id,
        floor(u('lookalike_of', person_id) * (select count(*) from originals))::bigint as original_no
    from drawn
    where is_lookalike
),

copies as (
    select
        l.person_id,
        o.person_id as lookalike_of_person_id,
        o.first_name,
        o.last_name,
        o.postal_no,
        o.accent_field
    from lookalikes as l
    inner join originals as o on l.original_no = o.original_no
)

select
    d.* exclude (first_name, last_name, postal_no, accent_field),
    coalesce(c.first_name, d.first_name) as first_name,
    coalesce(c.last_name, d.last_name) as last_name,
    coalesce(c.postal_no, d.postal_no) as postal_no,
    case when c.person_id is null then d.accent_field else c.accent_field end as accent_field,
    c.lookalike_of_person_id
from drawn as d
left join copies as c on d.person_id = c.person_id
