-- The true people behind the customer records, before households and companies are joined.
create table persons_base as
select
    t.p as person_id,
    case
        when u('type', t.p) < {{ b2c_share }} then 'B2C'
        when u('type', t.p) < {{ b2c_or_b2b_share }} then 'B2B'
        else 'B2G'
    end as customer_type,
    {{ pick(first_names, 'first', 't.p') }} as first_name,
    {{ pick(last_names, 'last', 't.p') }} as last_name,
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
    floor(u('household_head', t.p) * t.p)::int as household_head_id
from range({{ n_persons }}) as t (p)
