-- The customers file as typed: planted birth date, email, phone and address defects, and the
-- drift of duplicate records rendered into the fields.
{%- macro typo(name, pos='typo_pos', kind='typo_kind') -%}
case {{ kind }}
    when 0 then left({{ name }}, {{ pos }} - 1) || substr({{ name }}, {{ pos }} + 1)
    -- two equal letters swapped would leave the name as it was: one is dropped instead
    when 1
        then left({{ name }}, {{ pos }} - 1)
        || case
            when substr({{ name }}, {{ pos }}, 1) = substr({{ name }}, {{ pos }} + 1, 1) then ''
            else substr({{ name }}, {{ pos }} + 1, 1)
        end
        || substr({{ name }}, {{ pos }}, 1) || substr({{ name }}, {{ pos }} + 2)
    else left({{ name }}, {{ pos }}) || substr({{ name }}, {{ pos }})
end
{%- endmacro %}
{#- one digit of a number typed wrong; a leading one never becomes 0 (no house number or
    postal code here starts with 0, so a leading 0 would give the typo away) -#}
{%- macro digit_typo(digits) -%}
{%- set pos = "(1 + floor(u('digit_pos', record_no) * length(" ~ digits ~ "))::int)" -%}
{%- set shift = "floor(u('digit_shift', record_no) * 8)::int" -%}
left({{ digits }}, {{ pos }} - 1)
|| case
    when {{ pos }} = 1 then (1 + (left({{ digits }}, 1)::int + {{ shift }}) % 9)::varchar
    else ((substr({{ digits }}, {{ pos }}, 1)::int + 1 + {{ shift }}) % 10)::varchar
end
|| substr({{ digits }}, {{ pos }} + 1)
{%- endmacro %}
{%- set nicknames_of_first_name = "(" ~ nicknames ~ ")[first_name]" %}
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
        -- the labels are the variation kinds of the truth
        case
            when not r.is_duplicate then null
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[0] }} then 'name_typo'
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[1] }} then 'names_swapped'
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[2] }}
                then case when map_contains({{ nicknames }}, r.first_name) then 'nickname' end
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[3] }} then 'first_initial'
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[4] }} then 'missing_first_name'
            when u('dup_typo', r.record_no) < {{ name_drift_cuts[5] }} then 'missing_last_name'
        end as name_drift,
        case
            when not r.is_duplicate or r.birth_date is null then null
            when u('dup_birth', r.record_no) < {{ birth_drift_cuts[0] }}
                then case
                        when day(r.birth_date) <= 12 and day(r.birth_date) <> month(r.birth_date)
                            then 'birth_day_month_transposed'
                    end
            when u('dup_birth', r.record_no) < {{ birth_drift_cuts[1] }} then 'birth_date_missing'
        end as birth_drift,
        case
            when not r.is_duplicate then null
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[0] }} then 'moved_address'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[1] }} then 'postcode_typo'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[2] }} then 'address_abbreviated'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[3] }} then 'address_reordered'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[4] }} then 'house_number_typo'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[5] }} then 'city_missing'
            when u('dup_moved', r.record_no) < {{ address_drift_cuts[6] }} then 'city_typo'
        end as address_drift,
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
            when name_drift = 'name_typo' and u('typo_field', record_no) < 0.5 then 'first'
            when name_drift = 'name_typo' then 'last'
        end as typo_field,
        2 + floor(u('typo_pos', record_no) * 3)::int as typo_pos,
        floor(u('typo_kind', record_no) * 3)::int as typo_kind,
        -- accents drift only where no name drift does, so a duplicate keeps one name drift at most
        case
            when has_accented_name and is_duplicate and name_drift is null
                then case
                        when u('dup_accent', record_no) < {{ accent_drift_cuts[0] }} then 'accent_dropped'
                        when u('dup_accent', record_no) < {{ accent_drift_cuts[1] }}
                            then case when has_decomposable_accent then 'unicode_nfd' end
                    end
        end as accent_drift,
        -- no contact data only where no defect is planted in it (the defect stays visible)
        email_drift = 'no_contact' and email_defect is null and phone_defect is null as is_no_contact
    from typed
),

rendered as (
    select
        *,
        case
            when typo_field = 'first' then {{ typo('first_name') }}
            when name_drift = 'names_swapped' then last_name
            when name_drift = 'nickname'
                then {{ pick(nicknames_of_first_name, 'nickname', 'record_no') }}
            when name_drift = 'first_initial'
                then left(first_name, 1)
                    || case when u('initial_dot', record_no) < {{ shares.initial_with_dot }} then '.' else '' end
            when name_drift = 'missing_first_name' then null
            when accent_drift = 'accent_dropped' then {{ replace_chars('first_name', accent_folds) }}
            when accent_drift = 'unicode_nfd' then {{ replace_chars('first_name', accent_decompositions) }}
            else first_name
        end as first_name_out,
        case
            when typo_field = 'last' then {{ typo('last_name') }}
            when name_drift = 'names_swapped' then first_name
            when name_drift = 'missing_last_name' then null
            when accent_drift = 'accent_dropped' then {{ replace_chars('last_name', accent_folds) }}
            when accent_drift = 'unicode_nfd' then {{ replace_chars('last_name', accent_decompositions) }}
            else last_name
        end as last_name_out,
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
            when email_drift in ('missing', 'no_contact') then null
            when email_drift = 'changed'
                then {{ replace_chars('first_name || last_name', accent_folds) }} || (record_no % 97)::varchar || '@'
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
            when is_no_contact or phone_drift = 'missing' then null
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
        case address_drift
            when 'moved_address'
                then (1 + floor(u('moved_house', record_no) * 1999))::int::varchar || ' '
                    || {{ pick(streets, 'moved_street', 'record_no') }} || ' street'
            -- the street kind is the last word
            when 'address_abbreviated'
                then left(address_line, length(address_line) - length(split_part(address_line, ' ', -1)))
                    || coalesce(
                        ({{ street_kind_abbreviations }})[split_part(address_line, ' ', -1)],
                        split_part(address_line, ' ', -1)
                    )
                    || case
                        when u('abbreviation_dot', record_no) < {{ shares.abbreviation_with_dot }} then '.' else ''
                    end
            when 'address_reordered'
                then substr(address_line, strpos(address_line, ' ') + 1) || ' ' || split_part(address_line, ' ', 1)
            when 'house_number_typo'
                then {{ digit_typo("split_part(address_line, ' ', 1)") }}
                    || substr(address_line, strpos(address_line, ' '))
            else address_line
        end as address_out,
        case
            when address_drift = 'moved_address' then (10000 + floor(u('moved_postal', record_no) * 89999))::int
            else postal_no
        end as postal_out
    from drifted
),

-- the city of the postal code as it should be: a typo in the code is not another city
placed as (
    select
        *,
        {{ cities }}[1 + (postal_out % len({{ cities }}))] as city_out
    from rendered
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
    name_drift,
    accent_drift,
    birth_drift,
    address_drift,
    email_drift,
    phone_drift,
    is_no_contact,
    is_lookalike,
    has_accented_name,
    has_decomposable_accent,
    birth_date as person_birth_date,
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
        when birth_drift = 'birth_day_month_transposed'
            then make_date(year(birth_date), day(birth_date), month(birth_date))
        when birth_drift = 'birth_date_missing' then null
        else birth_date
    end as birth_date,
    customer_type,
    case when is_missing_address then null else address_out end as address_line,
    case
        when is_missing_address or address_drift = 'city_missing' then null
        when address_drift = 'city_typo'
            then {{ typo('city_out', "(2 + floor(u('city_pos', record_no) * 3)::int)",
                "floor(u('city_typo', record_no) * 3)::int") }}
        else city_out
    end as city,
    case
        when is_missing_address then null
        when address_drift = 'postcode_typo' then {{ digit_typo('postal_out::varchar') }}
        else postal_out::varchar
    end as postal_code,
    'US' as country,
    acquisition_channel,
    {{ created_at }} as created_at,
    least(
        {{ created_at }} + to_days(floor(u('updated_days', record_no) * 400)::int),
        timestamp '{{ end_date }}' + interval 23 hour
    ) as updated_at
from placed
