"""Customer records per source system: duplicates, variations and planted defects."""

from __future__ import annotations

from crm_warehouse.generator.base import GeneratorBase
from crm_warehouse.generator.sql import cumulative_case, pick, sql_list
from crm_warehouse.generator.vocabulary import CITIES, EMAIL_DOMAINS, SOURCE_SYSTEMS, STREETS


class RecordsBuilder(GeneratorBase):
    """Customer records per source system: duplicates, variations and planted defects."""

    def build_records(self) -> None:
        """Customer records: one primary record per person plus duplicates with realistic drift."""
        n_p, n_d = self.n_persons, self.n_duplicates
        systems_b2c = tuple((s, w) for s, _, _, w, _ in SOURCE_SYSTEMS)
        systems_b2b = tuple((s, w) for s, _, _, _, w in SOURCE_SYSTEMS)
        prefix_case = " ".join(f"when '{s}' then '{p}'" for s, p, _, _, _ in SOURCE_SYSTEMS)
        cities = sql_list(CITIES)
        streets = sql_list(STREETS)
        domains = sql_list(EMAIL_DOMAINS)
        self.sql(f"""
            create table record_skeleton as
            select r as record_no, r as person_id, false as is_duplicate from range({n_p}) as t (r)
            union all
            select
                {n_p} + d as record_no,
                -- the person a duplicate record belongs to: any person, uniformly
                floor(u('dup_person', d) * {n_p})::int as person_id,
                true as is_duplicate
            from range({n_d}) as t (d)
        """)
        self.sql(f"""
            create table records as
            with drawn as (
                select
                    s.record_no,
                    s.person_id,
                    s.is_duplicate,
                    p.customer_type,
                    case
                        when s.is_duplicate and u('same_system', s.record_no) < 0.35 then null
                        when p.customer_type = 'B2C' then {cumulative_case("system", "s.record_no", systems_b2c)}
                        else {cumulative_case("system", "s.record_no", systems_b2b)}
                    end as drawn_system,
                    {cumulative_case("system", "s.person_id", systems_b2c)} as primary_system_b2c,
                    {cumulative_case("system", "s.person_id", systems_b2b)} as primary_system_b2b,
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
                    -- drift of duplicates (each draw is one group of mutually exclusive outcomes)
                    s.is_duplicate and u('dup_typo', s.record_no) < 0.15 as has_name_typo,
                    case when not s.is_duplicate then 'same'
                        when u('dup_email', s.record_no) < 0.40 then 'case_variant'
                        when u('dup_email', s.record_no) < 0.55 then 'missing'
                        when u('dup_email', s.record_no) < 0.65 then 'changed'
                        else 'same' end as email_drift,
                    case when not s.is_duplicate then 'same'
                        when u('dup_phone', s.record_no) < 0.50 then 'format_variant'
                        when u('dup_phone', s.record_no) < 0.70 then 'missing'
                        when u('dup_phone', s.record_no) < 0.80 then 'changed'
                        else 'same' end as phone_drift,
                    s.is_duplicate and u('dup_moved', s.record_no) < 0.15 as has_moved
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
                case source_system {prefix_case} end || '-'
                    || lpad(
                        (row_number() over (partition by source_system order by u('id_order', record_no), record_no))
                        ::varchar,
                        8,
                        '0'
                    ) as customer_id,
                -- file order: shuffled, so duplicates are not recognisable by position
                row_number() over (order by u('file_order', record_no), record_no) - 1 as file_row_number
            from with_system
        """)
        rates = self.rates
        b1 = rates["sentinel_birth_date"]
        b2 = b1 + rates["impossible_birth_date"]
        e1 = rates["invalid_email"]
        e2 = e1 + rates["placeholder_email"]
        p1 = rates["placeholder_phone"]
        p2 = p1 + rates["invalid_phone"]
        start = self.config.start_date
        self.sql(f"""
            create table customers_out as
            with typed as (
                select
                    r.*,
                    case
                        when u('birth_defect', record_no) < {b1} then 'sentinel_birth_date'
                        when u('birth_defect', record_no) < {b2} then 'impossible_birth_date'
                    end as birth_defect,
                    case
                        when u('email_defect', record_no) < {e1} then 'invalid_email'
                        when u('email_defect', record_no) < {e2} then 'placeholder_email'
                    end as email_defect,
                    case
                        when u('phone_defect', record_no) < {p1} then 'placeholder_phone'
                        when u('phone_defect', record_no) < {p2} then 'invalid_phone'
                    end as phone_defect,
                    u('address_defect', record_no) < {rates["missing_address"]} as is_missing_address,
                    least(
                        date '{start}' + acquired_offset
                        + case when is_duplicate then floor(u('dup_created', record_no) * greatest(life_days, 30))::int
                            else -floor(u('created_lead', record_no) * 20)::int end,
                        date '{self.config.end_date}'
                    ) as created_date
                from records as r
            ),
            drifted as (
                select
                    *,
                    -- a typo: drop, swap or double one character of the first or last name
                    case when has_name_typo and u('typo_field', record_no) < 0.5 then 'first' when has_name_typo
                        then 'last' end as typo_field,
                    2 + floor(u('typo_pos', record_no) * 3)::int as typo_pos,
                    floor(u('typo_kind', record_no) * 3)::int as typo_kind
                from typed
            ),
            rendered as (
                select
                    *,
                    case when typo_field = 'first' then
                        case typo_kind
                            when 0 then left(first_name, typo_pos - 1) || substr(first_name, typo_pos + 1)
                            when 1 then left(first_name, typo_pos - 1) || substr(first_name, typo_pos + 1, 1)
                                || substr(first_name, typo_pos, 1) || substr(first_name, typo_pos + 2)
                            else left(first_name, typo_pos) || substr(first_name, typo_pos)
                        end else first_name end as first_name_out,
                    case when typo_field = 'last' then
                        case typo_kind
                            when 0 then left(last_name, typo_pos - 1) || substr(last_name, typo_pos + 1)
                            when 1 then left(last_name, typo_pos - 1) || substr(last_name, typo_pos + 1, 1)
                                || substr(last_name, typo_pos, 1) || substr(last_name, typo_pos + 2)
                            else left(last_name, typo_pos) || substr(last_name, typo_pos)
                        end else last_name end as last_name_out,
                    case
                        when email_defect = 'placeholder_email'
                            then (['noemail', 'no-email', 'none', 'noemail'])[
                                1 + floor(u('ph_email', record_no) * 4)::int
                            ]
                                || '@' || {pick(domains, "ph_email_domain", "record_no")}
                        when email_defect = 'invalid_email' then
                            case floor(u('bad_email', record_no) * 4)::int
                                when 0 then replace(email, '@', '')
                                when 1 then split_part(email, '@', 1) || '@'
                                when 2 then replace(email, '@', ' at ')
                                else 'n/a'
                            end
                        when email_drift = 'missing' then null
                        when email_drift = 'changed'
                            then first_name || last_name || (record_no % 97)::varchar || '@'
                                || {pick(domains, "new_domain", "record_no")}
                        when email_drift = 'case_variant' then
                            case floor(u('email_case', record_no) * 3)::int
                                when 0 then upper(email)
                                when 1 then '  ' || email || ' '
                                else upper(left(email, 1)) || substr(email, 2)
                            end
                        else email
                    end as email_out,
                    case
                        when phone_defect = 'placeholder_phone'
                            then repeat((floor(u('ph_digit', record_no) * 10)::int)::varchar, 10)
                        -- too short; the leading 0 keeps it from being one repeated digit (a placeholder)
                        when phone_defect = 'invalid_phone'
                            then '0' || left(phone_digits, 2 + floor(u('short', record_no) * 4)::int)
                        when phone_drift = 'missing' then null
                        when phone_drift = 'changed'
                            then (200 + floor(u('new_area', record_no) * 790))::int::varchar
                                || lpad(floor(u('new_phone', record_no) * 10000000)::int::varchar, 7, '0')
                        when phone_drift = 'format_variant' or u('primary_phone_format', record_no) < 0.5 then
                            case floor(u('phone_format', record_no) * 4)::int
                                when 0 then '(' || left(phone_digits, 3) || ') ' || substr(phone_digits, 4, 3) || '-'
                                    || substr(phone_digits, 7)
                                when 1 then left(phone_digits, 3) || '.' || substr(phone_digits, 4, 3) || '.'
                                    || substr(phone_digits, 7)
                                when 2 then '+1 ' || left(phone_digits, 3) || ' ' || substr(phone_digits, 4, 3) || ' '
                                    || substr(phone_digits, 7)
                                else '1-' || left(phone_digits, 3) || '-' || substr(phone_digits, 4, 3) || '-'
                                    || substr(phone_digits, 7)
                            end
                        else phone_digits
                    end as phone_out,
                    case when has_moved
                        then (1 + floor(u('moved_house', record_no) * 1999))::int::varchar || ' '
                            || {pick(streets, "moved_street", "record_no")} || ' street'
                        else address_line end as address_out,
                    case when has_moved then (10000 + floor(u('moved_postal', record_no) * 89999))::int
                        else postal_no end as postal_out
                from drifted
            )
            select
                file_row_number,
                record_no,
                person_id,
                is_duplicate,
                birth_defect,
                email_defect,
                phone_defect,
                is_missing_address,
                has_name_typo,
                email_drift,
                phone_drift,
                has_moved,
                shares_household_email,
                uses_generic_email,
                uses_switchboard,
                customer_id,
                source_system,
                -- names: mostly title case, sometimes as typed in capitals or with stray spaces
                case when u('name_case', record_no) < 0.05 then upper(first_name_out)
                    when u('name_space', record_no) < 0.03 then ' ' || upper(left(first_name_out, 1))
                        || substr(first_name_out, 2) || ' '
                    else upper(left(first_name_out, 1)) || substr(first_name_out, 2) end as first_name,
                case when u('name_case', record_no) < 0.05 then upper(last_name_out)
                    else upper(left(last_name_out, 1)) || substr(last_name_out, 2) end as last_name,
                company_name,
                email_out as email,
                phone_out as phone,
                case
                    when birth_defect = 'sentinel_birth_date'
                        then case
                            when u('sentinel_kind', record_no) < 0.6 then date '1911-11-11' else date '1900-01-01'
                        end
                    when birth_defect = 'impossible_birth_date'
                        then case when u('impossible_kind', record_no) < 0.5
                            then created_date + 1 + floor(u('future_birth', record_no) * 3000)::int
                            else date '1850-01-01' + floor(u('old_birth', record_no) * 15000)::int end
                    else birth_date
                end as birth_date,
                customer_type,
                case when is_missing_address then null else address_out end as address_line,
                case when is_missing_address then null
                    else {cities}[1 + (postal_out % len({cities}))] end as city,
                case when is_missing_address then null else postal_out::varchar end as postal_code,
                'US' as country,
                acquisition_channel,
                created_date + interval 9 hour + to_seconds(floor(u('created_s', record_no) * 36000)::bigint)
                    as created_at,
                least(
                    created_date + interval 9 hour + to_seconds(floor(u('created_s', record_no) * 36000)::bigint)
                    + to_days(floor(u('updated_days', record_no) * 400)::int),
                    timestamp '{self.config.end_date}' + interval 23 hour
                ) as updated_at
            from rendered
        """)
