-- For the truth: an email or phone is shared when records of two or more true persons carry
-- it (household mailboxes, company info@ addresses and switchboards, rare collisions), after
-- the normalisation the warehouse applies (trimmed lower-case emails; phones as national digits).
create table customers_sharing as
with keyed as (
    select
        *,
        case when email_defect is null then nullif(lower(trim(email)), '') end as email_key,
        case when phone_defect is null then regexp_replace(phone, '[^0-9]', '', 'g') end as phone_digits_out
    from customers_out
),

normalised as (
    select
        *,
        case
            when
                length(phone_digits_out) = {{ phone_national_length + phone_country_code | length }}
                and starts_with(phone_digits_out, '{{ phone_country_code }}')
                then substr(phone_digits_out, {{ 1 + phone_country_code | length }})
            else nullif(phone_digits_out, '')
        end as phone_key
    from keyed
)

select
    *,
    email_key is not null
    and count(distinct person_id) over (partition by email_key) > 1 as is_shared_email,
    phone_key is not null
    and count(distinct person_id) over (partition by phone_key) > 1 as is_shared_phone
from normalised
