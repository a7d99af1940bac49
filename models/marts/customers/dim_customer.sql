-- The golden record: one row per resolved customer. Each attribute comes from the record
-- version that is best for it (survivorship): valid before invalid, then most recently
-- updated, then the smallest record id and raw row for a deterministic tie-break.
{%- set latest_first = 'updated_at desc nulls last, record_id asc, raw_row_key asc' %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

resolved as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

records as (
    select
        customers.*,
        resolved.customer_key,
        resolved.record_id,
        case customers.birth_date_status
            when 'valid' then 1
            when 'sentinel' then 2
            when 'impossible' then 3
            else 4
        end as birth_date_preference
    from customers
    inner join resolved
        on customers.source_system = resolved.source_system and customers.customer_id = resolved.customer_id
),

ranked as (
    -- one rank per attribute group: 1 marks the record version that survives for it
    select
        *,
        row_number() over (
            partition by customer_key
            order by (first_name is null and last_name is null) asc, {{ latest_first }}
        ) as name_rank,
        row_number() over (
            partition by customer_key order by (company_name is null) asc, {{ latest_first }}
        ) as company_rank,
        row_number() over (
            partition by customer_key order by (customer_type is null) asc, {{ latest_first }}
        ) as customer_type_rank,
        row_number() over (
            partition by customer_key
            order by is_valid_email desc, (email_normalised is null) asc, {{ latest_first }}
        ) as email_rank,
        row_number() over (
            partition by customer_key
            order by is_valid_phone desc, (phone_normalised is null) asc, {{ latest_first }}
        ) as phone_rank,
        row_number() over (
            partition by customer_key
            order by has_address desc, (address_line is null) asc, {{ latest_first }}
        ) as address_rank,
        row_number() over (
            partition by customer_key order by birth_date_preference asc, {{ latest_first }}
        ) as birth_date_rank,
        row_number() over (
            partition by customer_key
            order by created_at asc nulls last, record_id asc, raw_row_key asc
        ) as first_record_rank
    from records
),

source_systems as (
    select distinct
        customer_key,
        source_system
    from records
),

source_system_lists as (
    select
        customer_key,
        {{ dbt.listagg('source_system', "', '", 'order by source_system') }} as source_systems,
        count(*) as source_system_count
    from source_systems
    group by customer_key
),

survivors as (
    select
        customer_key,
        max(case when name_rank = 1 then first_name end) as first_name,
        max(case when name_rank = 1 then last_name end) as last_name,
        max(case when company_rank = 1 then company_name end) as company_name,
        max(case when customer_type_rank = 1 then customer_type end) as customer_type,
        max(case when email_rank = 1 then email_normalised end) as email,
        max(case when phone_rank = 1 then phone_normalised end) as phone,
        max(case when address_rank = 1 then address_line end) as address_line,
        max(case when address_rank = 1 then city end) as city,
        max(case when address_rank = 1 then postal_code end) as postal_code,
        max(case when address_rank = 1 then country end) as country,
        max(case when birth_date_rank = 1 and birth_date_status = 'valid' then birth_date end) as birth_date,
        max(case when birth_date_rank = 1 then birth_date_status end) as birth_date_status,
        max(case when first_record_rank = 1 then acquisition_channel end) as acquisition_channel,
        max(case when first_record_rank = 1 then source_system end) as first_source_system,
        {{ dbt.bool_or('is_valid_email') }} as has_valid_email,
        {{ dbt.bool_or('is_valid_phone') }} as has_valid_phone,
        {{ dbt.bool_or('has_address') }} as has_address,
        min(created_at) as first_seen_at,
        max(updated_at) as last_updated_at,
        count(distinct record_id) as record_count
    from ranked
    group by customer_key
)

select
    survivors.customer_key,
    survivors.customer_type,
    survivors.first_name,
    survivors.last_name,
    survivors.company_name,
    survivors.email,
    -- what analysis needs of the direct identifiers, safe to publish without them
    nullif(split_part(survivors.email, '@', 2), '') as email_domain,
    survivors.phone,
    case
        when survivors.has_valid_phone then '+{{ var("phone_country_code") }}' || survivors.phone
    end as phone_e164,
    survivors.address_line,
    survivors.city,
    survivors.postal_code,
    upper(left(replace(survivors.postal_code, ' ', ''), 3)) as postal_area,
    survivors.country,
    survivors.birth_date,
    cast(extract(year from survivors.birth_date) as integer) as birth_year,
    survivors.birth_date_status,
    survivors.acquisition_channel,
    survivors.first_source_system,
    source_system_lists.source_systems,
    source_system_lists.source_system_count,
    survivors.record_count,
    survivors.record_count > 1 as is_merged,
    survivors.has_valid_email,
    survivors.has_valid_phone,
    survivors.has_address,
    survivors.first_seen_at,
    cast(survivors.first_seen_at as date) as first_seen_date,
    survivors.last_updated_at
from survivors
inner join source_system_lists on survivors.customer_key = source_system_lists.customer_key
