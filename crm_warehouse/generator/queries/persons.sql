-- The true people: B2C household members take the head's last name, address and email; B2B
-- and B2G persons work for an organisation whose address they give and whose switchboard
-- phone and info@ address some of them use.
create table persons as
with base as (
    select
        b.*,
        b.joins_household and b.customer_type = 'B2C' and h.customer_type = 'B2C' as is_household_member,
        h.last_name as head_last_name,
        h.address_line as head_address_line,
        h.postal_no as head_postal_no,
        h.first_name as head_first_name,
        h.email_domain as head_email_domain,
        h.accent_field as head_accent_field
    from persons_base as b
    left join persons_base as h on b.household_head_id = h.person_id
),

companies as (
    select
        t.c as company_no,
        case
            when u('company_kind', t.c) < 0.75
                then {{ pick(company_words, 'company_word', 't.c') }} || ' '
                    || {{ pick(company_words, 'company_word2', 't.c') }} || ' '
                    || {{ pick(company_suffixes, 'company_suffix', 't.c') }}
            else {{ pick(agency_words, 'agency', 't.c') }} || ' of ' || {{ pick(cities, 'agency_city', 't.c') }}
        end as company_name,
        (1 + floor(u('company_house', t.c) * 999))::int::varchar || ' '
        || {{ pick(streets, 'company_street', 't.c') }} || ' boulevard' as company_address_line,
        (10000 + floor(u('company_postal', t.c) * 89999))::int as company_postal_no,
        {{ phone_digits('company_area', 'company_phone', 't.c') }} as switchboard_digits
    from range({{ n_companies }}) as t (c)
),

resolved as (
    select
        base.person_id,
        base.customer_type,
        base.first_name,
        case when base.is_household_member then base.head_last_name else base.last_name end as last_name,
        case when base.customer_type = 'B2C' then null else companies.company_name end as company_name,
        base.customer_type <> 'B2C'
        and u('shared_company_phone', base.person_id) < {{ shares.company_switchboard_phone }} as uses_switchboard,
        base.customer_type <> 'B2C'
        and u('shared_company_email', base.person_id) < {{ shares.company_generic_email }} as uses_generic_email,
        base.is_household_member,
        case
            when
                base.customer_type <> 'B2C'
                and u('shared_company_phone', base.person_id) < {{ shares.company_switchboard_phone }}
                then companies.switchboard_digits
            else base.phone_digits
        end as phone_digits,
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
            when
                base.customer_type <> 'B2C'
                and u('shared_company_email', base.person_id) < {{ shares.company_generic_email }}
                then 'info@' || replace(companies.company_name, ' ', '-') || '.com'
            when base.customer_type <> 'B2C'
                then base.first_name || '.' || base.last_name || '@'
                    || replace(companies.company_name, ' ', '-') || '.com'
            when base.is_household_member
                then 'the.' || base.head_last_name || 's.' || base.household_head_id || '@'
                    || base.head_email_domain
            else base.first_name || '.' || base.last_name || base.person_id || '@' || base.email_domain
        end as email,
        case
            when base.customer_type = 'B2C' or u('b2b_birth', base.person_id) < {{ shares.company_birth_date_known }}
                then base.true_birth_date
        end as birth_date,
        base.acquisition_channel,
        base.acquired_offset,
        base.life_days,
        base.spend_propensity
        * case base.customer_type when 'B2B' then 3 when 'B2G' then 2 else 1 end as spend_propensity,
        base.return_rate,
        base.service_propensity,
        base.wants_comeback,
        base.comeback_gap_days,
        base.comeback_life_days,
        -- the names the person shows (a household member shows the head's last name)
        coalesce(base.accent_field = 'first', false)
        or coalesce(
            case when base.is_household_member then base.head_accent_field else base.accent_field end = 'last', false
        ) as has_accented_name,
        base.lookalike_of_person_id
    from base
    left join companies on base.company_no = companies.company_no
)

-- email addresses are typed without accents, as most mail systems take them; an accent can be
-- typed decomposed (NFD) only where Unicode decomposes it (not the slashed o of sorensen)
select
    * exclude (email),
    case when has_accented_name then {{ replace_chars('email', accent_folds) }} else email end as email,
    case
        when has_accented_name
            then {{ replace_chars('first_name || last_name', accent_decompositions) }} <> first_name || last_name
        else false
    end as has_decomposable_accent
from resolved
