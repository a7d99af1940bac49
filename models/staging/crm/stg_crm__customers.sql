-- One row per raw customer record: trimmed, normalised for matching, and flagged for quality.
-- Nothing is dropped or repaired here; the golden record decides what to trust.
with

source as (
    select * from {{ source('crm', 'customers') }}
),

sentinel_birth_dates as (
    select birth_date from {{ ref('sentinel_birth_dates') }}
),

placeholder_email_local_parts as (
    select local_part from {{ ref('placeholder_email_local_parts') }}
),

placeholder_phones as (
    select phone_normalised from {{ ref('placeholder_phones') }}
),

renamed as (
    select
        {{ raw_row_key() }} as raw_row_key,
        lower(trim(source_system)) as source_system,
        trim(customer_id) as customer_id,
        -- names as typed, in one Unicode form (NFC), so José typed decomposed is one value
        nullif(trim({{ regexp_replace_all(unicode_nfc('first_name'), '\\s+', ' ') }}), '') as first_name,
        nullif(trim({{ regexp_replace_all(unicode_nfc('last_name'), '\\s+', ' ') }}), '') as last_name,
        -- the forms identity resolution compares (macros/identity/identity_standardise.sql)
        {{ fold_for_matching('first_name') }} as first_name_std,
        {{ fold_for_matching('last_name') }} as last_name_std,
        nullif(trim({{ regexp_replace_all('company_name', '\\s+', ' ') }}), '') as company_name,
        nullif(trim(email), '') as email,
        {{ normalise_email('email') }} as email_normalised,
        nullif(trim(phone), '') as phone,
        {{ normalise_phone('phone') }} as phone_normalised,
        birth_date,
        upper(trim(customer_type)) as customer_type,
        nullif(trim({{ regexp_replace_all('address_line', '\\s+', ' ') }}), '') as address_line,
        {{ canonical_address('address_line') }} as address_std,
        nullif(trim(city), '') as city,
        {{ fold_for_matching('city') }} as city_std,
        nullif(upper({{ regexp_replace_all('postal_code', '\\s', '') }}), '') as postal_code,
        nullif({{ regexp_replace_all('upper(postal_code)', '[^A-Z0-9]', '') }}, '') as postal_code_std,
        nullif(upper(trim(country)), '') as country,
        {{ normalise_text('acquisition_channel') }} as acquisition_channel,
        created_at,
        updated_at,
        _loaded_at as batch_loaded_at,
        _batch_id as batch_id,
        _source_file as source_file,
        _source_row_number as source_row_number
    from source
),

flagged as (
    select
        *,
        coalesce(
            split_part(email_normalised, '@', 1) in (
                select placeholder_email_local_parts.local_part from placeholder_email_local_parts
            ),
            false
        ) as is_placeholder_email,
        coalesce(
            phone_normalised in (select placeholder_phones.phone_normalised from placeholder_phones)
            or length(replace(phone_normalised, left(phone_normalised, 1), '')) = 0,
            false
        ) as is_placeholder_phone,
        case
            when birth_date is null then 'missing'
            when birth_date in (select sentinel_birth_dates.birth_date from sentinel_birth_dates) then 'sentinel'
            when birth_date > cast(coalesce(created_at, current_timestamp) as date) then 'impossible'
            when
                birth_date < {{ dbt.dateadd(
                    'year',
                    '-' ~ var('max_customer_age_years'),
                    'cast(coalesce(created_at, current_timestamp) as date)'
                ) }}
                then 'impossible'
            else 'valid'
        end as birth_date_status
    from renamed
)

select
    raw_row_key,
    source_system,
    customer_id,
    first_name,
    last_name,
    first_name_std,
    last_name_std,
    company_name,
    email,
    email_normalised,
    coalesce(
        {{ regex_full_match('email_normalised', '[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}') }},
        false
    ) and not is_placeholder_email as is_valid_email,
    is_placeholder_email,
    phone,
    phone_normalised,
    coalesce(length(phone_normalised) = {{ var('phone_national_length') }}, false)
    and not is_placeholder_phone as is_valid_phone,
    is_placeholder_phone,
    birth_date,
    birth_date_status,
    customer_type,
    address_line,
    address_std,
    city,
    city_std,
    postal_code,
    postal_code_std,
    country,
    address_line is not null and postal_code is not null as has_address,
    acquisition_channel,
    created_at,
    updated_at,
    batch_loaded_at,
    batch_id,
    source_file,
    source_row_number
from flagged
