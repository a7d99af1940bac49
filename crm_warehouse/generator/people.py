"""The business calendar, the true persons behind the records, and their activity windows."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.sql import pick, sql_list
from crm_warehouse.generator.vocabulary import (
    ACQUISITION_CHANNELS,
    AGENCY_WORDS,
    CITIES,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
)


class PeopleBuilder(GeneratorBase):
    """The business calendar, the true persons behind the records, and their activity windows."""

    def build_calendar(self) -> None:
        """Daily demand weights: growth, weekly rhythm and a Nov/Dec peak; cumulative for sampling."""
        self.sql(f"""
            create table calendar as
            with days as (
                select
                    i::int as day_offset,
                    date '{self.config.start_date}' + i::int as business_date
                from range({self.span_days + 1}) as t (i)
            ),
            weighted as (
                select
                    day_offset,
                    business_date,
                    (1 + 0.6 * day_offset / {self.span_days})
                    * case when month(business_date) in (11, 12) then 1.6
                        when month(business_date) in (1, 2) then 0.8 else 1.0 end
                    * case when dayofweek(business_date) in (0, 6) then 1.25 else 1.0 end
                        as weight
                from days
            )
            select
                day_offset,
                business_date,
                sum(weight) over (order by day_offset) as cum_weight,
                coalesce(sum(weight) over (order by day_offset rows between unbounded preceding and 1 preceding), 0)
                    as cum_weight_before
            from weighted
        """)

    def build_persons(self) -> None:
        """The true people. Households and companies make some of them share contact data."""
        rates = self.rates
        span = self.span_days
        first, last, streets, cities = (sql_list(x) for x in (FIRST_NAMES, LAST_NAMES, STREETS, CITIES))
        domains = sql_list(EMAIL_DOMAINS)
        n_companies = max(1, round(self.n_persons * 0.20 / 4))
        self.sql(f"""
            create table persons_base as
            select
                p as person_id,
                case when u('type', p) < 0.80 then 'B2C' when u('type', p) < 0.95 then 'B2B' else 'B2G' end
                    as customer_type,
                {pick(first, "first", "p")} as first_name,
                {pick(last, "last", "p")} as last_name,
                floor(u('company', p) * {n_companies})::int as company_no,
                (200 + floor(u('area', p) * 790))::int::varchar
                    || lpad(floor(u('phone', p) * 10000000)::int::varchar, 7, '0') as phone_digits,
                (1 + floor(u('house', p) * 1999))::int::varchar || ' '
                    || {pick(streets, "street", "p")} || ' '
                    || (['street', 'avenue', 'road', 'lane', 'drive'])[1 + floor(u('street_kind', p) * 5)::int]
                    as address_line,
                (10000 + floor(u('postal', p) * 89999))::int as postal_no,
                {pick(domains, "domain", "p")} as email_domain,
                date '{self.config.start_date}' - 365 * 18 - floor(u('age', p) * 365 * 62)::int as true_birth_date,
                {pick(sql_list(ACQUISITION_CHANNELS), "acq_channel", "p")} as acquisition_channel,
                -- growth: later acquisition dates are more frequent (u^0.7 leans towards 1)
                floor(pow(u('acquired', p), 0.7) * {span})::int as acquired_offset,
                case when u('one_timer', p) < 0.25 then 0 else floor(-600 * ln(1 - u('life', p)))::int end
                    as life_days,
                exp(1.1 * n('propensity', p)) as spend_propensity,
                case when u('serial_returner', p) < 0.06 then 0.30 + 0.2 * u('return_rate', p)
                    else 0.01 + 0.04 * u('return_rate', p) end as return_rate,
                exp(0.8 * n('service', p)) * case when u('heavy_service', p) < 0.05 then 8 else 1 end
                    as service_propensity,
                u('comeback', p) < 0.15 as wants_comeback,
                400 + floor(u('gap', p) * 400)::int as comeback_gap_days,
                floor(-300 * ln(1 - u('life2', p)))::int as comeback_life_days,
                p > 0 and u('household', p) < {rates["household_member"]} as joins_household,
                floor(u('household_head', p) * p)::int as household_head_id
            from range({self.n_persons}) as t (p)
        """)
        companies = sql_list(COMPANY_WORDS)
        suffixes = sql_list(COMPANY_SUFFIXES)
        agencies = sql_list(AGENCY_WORDS)
        self.sql(f"""
            create table persons as
            with base as (
                select
                    b.*,
                    -- B2C household members take the head's last name, address and email
                    b.joins_household and b.customer_type = 'B2C' and h.customer_type = 'B2C' as is_household_member,
                    h.last_name as head_last_name,
                    h.address_line as head_address_line,
                    h.postal_no as head_postal_no,
                    h.first_name as head_first_name,
                    h.email_domain as head_email_domain
                from persons_base as b
                left join persons_base as h on b.household_head_id = h.person_id
            ),
            companies as (
                select
                    c as company_no,
                    case when u('company_kind', c) < 0.75
                        then {pick(companies, "company_word", "c")} || ' '
                            || {pick(companies, "company_word2", "c")} || ' ' || {pick(suffixes, "company_suffix", "c")}
                        else {pick(agencies, "agency", "c")} || ' of ' || {pick(cities, "agency_city", "c")}
                    end as company_name,
                    (1 + floor(u('company_house', c) * 999))::int::varchar || ' '
                        || {pick(streets, "company_street", "c")} || ' boulevard' as company_address_line,
                    (10000 + floor(u('company_postal', c) * 89999))::int as company_postal_no,
                    (200 + floor(u('company_area', c) * 790))::int::varchar
                        || lpad(floor(u('company_phone', c) * 10000000)::int::varchar, 7, '0') as switchboard_digits
                from range({max(1, round(self.n_persons * 0.20 / 4))}) as t (c)
            ),
            resolved as (
                select
                    base.person_id,
                    base.customer_type,
                    base.first_name,
                    case when base.is_household_member then base.head_last_name else base.last_name end as last_name,
                    case when base.customer_type = 'B2C' then null else companies.company_name end as company_name,
                    base.customer_type <> 'B2C' and u('shared_company_phone', base.person_id) < 0.4
                        as uses_switchboard,
                    base.customer_type <> 'B2C' and u('shared_company_email', base.person_id) < 0.3
                        as uses_generic_email,
                    base.is_household_member,
                    case when base.customer_type <> 'B2C' and u('shared_company_phone', base.person_id) < 0.4
                        then companies.switchboard_digits else base.phone_digits end as phone_digits,
                    case
                        when base.customer_type <> 'B2C' then companies.company_address_line
                        when base.is_household_member then base.head_address_line
                        else base.address_line
                    end as address_line,
                    case
                        when base.customer_type <> 'B2C' then companies.company_postal_no
                        when base.is_household_member then base.head_postal_no
                        else base.postal_no
                    end as postal_no,
                    case
                        when base.customer_type <> 'B2C' and u('shared_company_email', base.person_id) < 0.3
                            then 'info@' || replace(companies.company_name, ' ', '-') || '.com'
                        when base.customer_type <> 'B2C'
                            then base.first_name || '.' || base.last_name || '@'
                                || replace(companies.company_name, ' ', '-') || '.com'
                        when base.is_household_member
                            then 'the.' || base.head_last_name || 's.' || base.household_head_id || '@'
                                || base.head_email_domain
                        else base.first_name || '.' || base.last_name || base.person_id || '@' || base.email_domain
                    end as email,
                    case when base.customer_type = 'B2C' or u('b2b_birth', base.person_id) < 0.3
                        then base.true_birth_date end as birth_date,
                    base.acquisition_channel,
                    base.acquired_offset,
                    base.life_days,
                    base.spend_propensity * case base.customer_type when 'B2B' then 3 when 'B2G' then 2 else 1 end
                        as spend_propensity,
                    base.return_rate,
                    base.service_propensity,
                    base.wants_comeback,
                    base.comeback_gap_days,
                    base.comeback_life_days
                from base
                left join companies on base.company_no = companies.company_no
            )
            select * from resolved
        """)
        # Household heads share their email with members: rewrite the head's email too.
        self.sql("""
            update persons set email = m.email
            from (
                select distinct pb.household_head_id as head_id, p.email
                from persons as p
                inner join persons_base as pb on p.person_id = pb.person_id
                where p.is_household_member
                qualify row_number() over (partition by pb.household_head_id order by p.person_id) = 1
            ) as m
            where persons.person_id = m.head_id and persons.customer_type = 'B2C'
        """)
        # Heads now carry the household email too: mark them so truth knows the email is shared.
        self.sql("""
            alter table persons add column shares_household_email boolean;
            update persons set shares_household_email = is_household_member
                or person_id in (
                    select pb.household_head_id from persons as p
                    inner join persons_base as pb on p.person_id = pb.person_id
                    where p.is_household_member
                )
        """)

    def build_windows(self) -> None:
        """Active windows per person: one, or two for customers who come back after a long gap."""
        span = self.span_days
        self.sql(f"""
            create table person_windows as
            with first_window as (
                select
                    person_id,
                    1 as window_no,
                    acquired_offset as start_offset,
                    least(acquired_offset + life_days, {span}) as end_offset
                from persons
            ),
            second_window as (
                select
                    p.person_id,
                    2 as window_no,
                    p.acquired_offset + p.life_days + p.comeback_gap_days as start_offset,
                    least(p.acquired_offset + p.life_days + p.comeback_gap_days + p.comeback_life_days, {span})
                        as end_offset
                from persons as p
                where p.wants_comeback and p.acquired_offset + p.life_days + p.comeback_gap_days <= {span}
            )
            select * from first_window
            union all
            select * from second_window
        """)
