-- The customers file as typed: planted birth date, email, phone and address defects, name
-- typos, and the drift of duplicate records rendered into the fields.
{%- macro typo(name) -%}
case typo_kind
    when 0 then left({{ name }}, typo_pos - 1) || substr({{ name }}, typo_pos + 1)
    when 1
        then left({{ name }}, typo_pos - 1) || substr({{ name }}, typo_pos + 1, 1)
        || substr({{ name }}, typo_pos, 1) || substr({{ name }}, typo_pos + 2)
    else left({{ name }}, typo_pos) || substr({{ name }}, typo_pos)
end
{%- endmacro %}
{%- set created_at = "created_date + interval 9 hour + to_seconds(floor(u('created_s', record_no) * 36000)::bigint)" %}
create table customers_out as
with typed as (
    select
        r.*,
        case
            when u('birth_defect', r.record_no) < {{ birth_cuts[0] }} then 'sentinel_birth_date'
            when u('birth_defect', r.record_no) < {{ birth_cuts[1] }} then 'impossible_birth_date'
        end as birth_defect,
        case
            when u('email_defect', r.record_no) < {{ email_cuts[0] }} then 'invalid_email'
            when u('email_defect', r.record_no) < {{ email_cuts[1] }} then 'placeholder_email'
        end as email_defect,
        case
            when u('phone_defect', r.record_no) < {{ phone_cuts[0] }} then 'placeholder_phone'
            when u('phone_defect', r.record_no) < {{ phone_cuts[1] }} then 'invalid_phone'
        end as phone_defect,
        u('address_defect', r.record_no) < {{ rates.missing_address }} as is_missing_address,
        least(
            date '{{ start_date }}' + r.acquired_offset
            + case
                when r.is_duplicate then floor(u('dup_created', r.record_no) * greatest(r.life_days, 30))::int
                else -floor(u('created_lead', r.record_no) * 20)::int
            end,
            date '{{ end_date }}'
        ) as created_date
    from records as r
),

drifted as (
    select
        *,
        -- a typo: drop, swap or double one character of the first or last name
        case
            when has_name_typo and u('typo_field', record_no) < 0.5 then 'first'
            when has_name_typo then 'last'
        end as typo_field,
        2 + floor(u('typo_pos', record_no) * 3)::int as typo_pos,
        floor(u('typo_kind', record_no) * 3)::int as typo_kind
    from typed
),

rendered as (
    select
        *,
        case when typo_field = 'first' then {{ typo('first_name') }} else first_name end as first_name_out,
        case when typo_field = 'last' then {{ typo('last_name') }} else last_name end as last_name_out,
        case
            when email_defect = 'placeholder_email'
                then (['noemail', 'no-email', 'none', 'noemail'])[1 + floor(u('ph_email', record_no) * 4)::int]
                    || '@' || {{ pick(email_domains, 'ph_email_domain', 'record_no') }}
            when email_defect = 'invalid_email'
                then case floor(u('bad_email', record_no) * 4)::int
                        when 0 then replace(email, '@', '')
                        when 1 then split_part(email, '@', 1) || '@'
                        when 2 then replace(email, '@', ' at ')
                        else 'n/a'
                    end
            when email_drift = 'missing' then null
            when email_drift = 'changed'
                then first_name || last_name || (record_no % 97)::varchar || '@'
                    || {{ pick(email_domains, 'new_domain', 'record_no') }}
            when email_drift = 'case_variant'
                then case floor(u('email_case', record_no) * 3)::int
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
            when phone_drift = 'changed' then {{ phone_digits('new_area', 'new_phone', 'record_no') }}
            when phone_drift = 'format_variant' or u('primary_phone_format', record_no) < {{ shares.phone_formatted }}
                then case floor(u('phone_format', record_no) * 4)::int
                        when 0
                            then '(' || left(phone_digits, 3) || ') ' || substr(phone_digits, 4, 3) || '-'
                                || substr(phone_digits, 7)
                        when 1
                            then left(phone_digits, 3) || '.' || substr(phone_digits, 4, 3) || '.'
                                || substr(phone_digits, 7)
                        when 2
                            then '+1 ' || left(phone_digits, 3) || ' ' || substr(phone_digits, 4, 3) || ' '
                                || substr(phone_digits, 7)
                        else
                            '1-' || left(phone_digits, 3) || '-' || substr(phone_digits, 4, 3) || '-'
                            || substr(phone_digits, 7)
                    end
            else phone_digits
        end as phone_out,
        case
            when has_moved
                then (1 + floor(u('moved_house', record_no) * 1999))::int::varchar || ' '
                    || {{ pick(streets, 'moved_street', 'record_no') }} || ' street'
            else address_line
        end as address_out,
        case
            when has_moved then (10000 + floor(u('moved_postal', record_no) * 89999))::int
            else postal_no
        end as postal_out
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
    case
        when u('name_case', record_no) < {{ shares.name_in_capitals }} then upper(first_name_out)
        when u('name_space', record_no) < {{ shares.first_name_with_spaces }}
            then ' ' || upper(left(first_name_out, 1)) || substr(first_name_out, 2) || ' '
        else upper(left(first_name_out, 1)) || substr(first_name_out, 2)
    end as first_name,
    case
        when u('name_case', record_no) < {{ shares.name_in_capitals }} then upper(last_name_out)
        else upper(left(last_name_out, 1)) || substr(last_name_out, 2)
    end as last_name,
    company_name,
    email_out as email,
    phone_out as phone,
    case
        when birth_defect = 'sentinel_birth_date'
            then case
                    when u('sentinel_kind', record_no) < {{ shares.sentinel_1911_11_11 }} then date '1911-11-11'
                    else date '1900-01-01'
                end
        when birth_defect = 'impossible_birth_date'
            then case
                    when u('impossible_kind', record_no) < {{ shares.impossible_birth_after_created }}
                        then created_date + 1 + floor(u('future_birth', record_no) * 3000)::int
                    else date '1850-01-01' + floor(u('old_birth', record_no) * 15000)::int
                end
        else birth_date
    end as birth_date,
    customer_type,
    case when is_missing_address then null else address_out end as address_line,
    case when is_missing_address then null else {{ cities }}[1 + (postal_out % len({{ cities }}))] end as city,
    case when is_missing_address then null else postal_out::varchar end as postal_code,
    'US' as country,
    acquisition_channel,
    {{ created_at }} as created_at,
    least(
        {{ created_at }} + to_days(floor(u('updated_days', record_no) * 400)::int),
        timestamp '{{ end_date }}' + interval 23 hour
    ) as updated_at
from rendered
