-- One row per customer record as identity resolution sees it: the record's latest version,
-- its standardised fields (staging), the canonical form of a nickname, and the keys the
-- blocking rules join on. Placeholders, invalid identifiers and identifiers shared by more
-- than `identity_max_block_records` records (info@ mailboxes, switchboards) are null here,
-- so they neither find candidate pairs nor count as agreement.
{%- set max_records = var('identity_max_block_records') %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

name_aliases as (
    select * from {{ ref('name_aliases') }}
),

-- one name per nickname for the blocking key: the first of the names it may stand for
canonical_names as (
    select
        alias,
        min(canonical_name) as canonical_name
    from name_aliases
    group by alias
),

latest_versions as (
    select
        *,
        {{ customer_record_id('source_system', 'customer_id') }} as record_id,
        row_number() over (
            partition by source_system, customer_id
            order by {{ customer_version_order() }}
        ) as version_rank
    from customers
),

records as (
    select
        record_id,
        source_system,
        customer_id,
        customer_type,
        first_name_std as first_name,
        last_name_std as last_name,
        case when is_valid_email then email_normalised end as email,
        case when is_valid_phone then phone_normalised end as phone,
        case when birth_date_status = 'valid' then birth_date end as birth_date,
        postal_code_std as postal_code,
        city_std as city,
        address_std as address,
        -- the house number and the street apart, so `oak street 12` equals `12 oak street`
        nullif(trim({{ regexp_replace_all('address_std', '[^0-9]+', ' ') }}), '') as house_number,
        nullif(trim({{ regexp_replace_all(regexp_replace_all('address_std', '[0-9]+', ' '), ' +', ' ') }}), '')
            as street
    from latest_versions
    where version_rank = 1
),

email_usage as (
    select
        email,
        count(*) as record_count
    from records
    where email is not null
    group by email
),

phone_usage as (
    select
        phone,
        count(*) as record_count
    from records
    where phone is not null
    group by phone
),

keyed as (
    select
        records.record_id,
        records.source_system,
        records.customer_id,
        records.customer_type,
        records.first_name,
        records.last_name,
        coalesce(canonical_names.canonical_name, records.first_name) as first_name_canonical,
        case when email_usage.record_count <= {{ max_records }} then records.email end as email,
        case when phone_usage.record_count <= {{ max_records }} then records.phone end as phone,
        records.birth_date,
        records.postal_code,
        records.city,
        records.address,
        records.house_number,
        records.street,
        left(records.first_name, 1) as first_initial,
        left(records.last_name, 1) as last_initial
    from records
    left join canonical_names on records.first_name = canonical_names.alias
    left join email_usage on records.email = email_usage.email
    left join phone_usage on records.phone = phone_usage.phone
)

select
    record_id,
    -- a whole number per record in the order of its id: pairs are found and joined on it
    row_number() over (order by record_id) as record_number,
    source_system,
    customer_id,
    customer_type,
    first_name,
    last_name,
    first_name_canonical,
    first_initial,
    last_initial,
    -- the full name and the initials in an order that does not depend on which field holds
    -- which name, so records with first and last name swapped share these keys
    case when first_name is not null and last_name is not null then least(first_name, last_name) end
        as name_key_low,
    case when first_name is not null and last_name is not null then greatest(first_name, last_name) end
        as name_key_high,
    case
        when first_initial is not null and last_initial is not null
            then least(first_initial, last_initial) || greatest(first_initial, last_initial)
    end as name_initials,
    email,
    phone,
    birth_date,
    cast(extract(year from birth_date) as integer) as birth_year,
    cast(extract(month from birth_date) as integer) as birth_month,
    cast(extract(day from birth_date) as integer) as birth_day,
    replace(cast(birth_date as {{ type_text() }}), '-', '') as birth_date_digits,
    postal_code,
    city,
    address,
    house_number,
    street
from keyed
