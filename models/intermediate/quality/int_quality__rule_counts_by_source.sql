-- The data-quality rules counted per source system: for every source system that delivered a
-- row and every rule of the scorecard, the rows checked and the rows failing. The one home of
-- the rules: data_quality_scorecard sums it over the source systems, and
-- data_quality_by_source_system shows which source delivers the bad rows. A row whose source
-- system is missing counts under `unknown`. A customer's duplicate records are the ones after
-- its first (by creation time): the source that delivered someone already known.
{%- set late_hours = var('late_arrival_hours') %}
{#- the quarantine reasons come from their one home, macros/quality/quarantine_reasons.sql #}
{%- set quarantine_rules = [] %}
{%- for reason in quarantine_reasons() %}
{%- do quarantine_rules.append((reason.code, 'Quarantined: ' ~ reason.description)) %}
{%- endfor %}
{%- set recoded = 'Type delivered in another case or with spaces, normalised' %}
{%- do quarantine_rules.append(('recoded_transaction_type', recoded)) %}
{%- set groups = [
    ('customers', 'customer_records', 'record_rules', [
        ('duplicate_record', 'Customer records merged into another record of the same person'),
        ('identity_chain_split', 'Records whose matches chained different people together, cut apart'),
        ('identity_unresolved_conflict', 'Records in a customer holding different people that could not be cut apart'),
    ]),
    ('customers', 'customer_rows', 'customer_rules', [
        ('sentinel_birth_date', 'Birth date is a placeholder such as 1911-11-11 (set to unknown)'),
        ('impossible_birth_date', 'Birth date after record creation or implausibly long before it (set to unknown)'),
        ('invalid_email', 'Email present but not a well-formed address'),
        ('placeholder_email', 'Email is a placeholder such as noemail@...'),
        ('missing_email', 'No email'),
        ('invalid_phone', 'Phone present but not a valid national number'),
        ('placeholder_phone', 'Phone is a placeholder such as 0000000000'),
        ('missing_phone', 'No phone'),
        ('missing_address', 'No street address or postal code'),
        ('conflicting_record_version', 'Another row of the record with the same update time and other values; the later delivery is used (superseded_customer_records)'),
        ('shared_email', 'Valid email also used by another resolved customer (household or company mailbox)'),
        ('shared_phone', 'Valid phone also used by another resolved customer (household line or switchboard)'),
    ]),
    ('transactions', 'transaction_lines', 'transaction_rules', quarantine_rules),
    ('transactions', 'trusted_lines', 'trusted_line_rules', [
        ('late_arriving_line', 'Trusted line loaded more than late_arrival_hours after it happened'),
    ] + ([
        ('trusted_return_beyond_sales', 'Trusted return of more units than the customer had bought of the product by then'),
    ] if var('trust_returns_beyond_sales') else [])),
    ('interactions', 'interactions', 'interaction_rules', [
        ('unknown_customer', 'Interaction for a customer record not in the customer master'),
    ]),
    ('contact_permissions', 'contact_permissions', 'permission_rules', [
        ('unknown_customer', 'Contact permission for a customer record not in the customer master (not applied)'),
        ('missing_channel_or_permission', 'Contact permission without a channel or permission (not applied)'),
        ('future_opt_in', 'Opt-in dated after it was loaded, beyond future_timestamp_tolerance_hours (not applied)'),
    ]),
] %}
{#- one row per rule: (table, what a checked row is, the CTE holding the counts, rule, description) #}
{%- set rule_rows = [] %}
{%- for table_name, checked_unit, cte, rule_list in groups %}
{%- for rule_name, description in rule_list %}
{%- do rule_rows.append((table_name, checked_unit, cte, rule_name, description)) %}
{%- endfor %}
{%- endfor %}

with

customers as (
    select * from {{ ref('stg_crm__customers') }}
),

identity_map as (
    select * from {{ ref('int_customer_identity__resolved') }}
),

screened as (
    select * from {{ ref('int_transactions__screened') }}
),

superseded_versions as (
    select * from {{ ref('int_customers__superseded_versions') }}
),

interactions as (
    select * from {{ ref('stg_crm__interactions') }}
),

contact_permissions as (
    select * from {{ ref('int_customers__contact_permissions') }}
),

conflicting_versions as (
    select
        source_system,
        count(*) as conflicting_record_version
    from superseded_versions
    where reason_code = 'conflicting_version'
    group by source_system
),

customer_records as (
    select
        customers.*,
        identity_map.customer_key
    from customers
    inner join identity_map
        on customers.source_system = identity_map.source_system and customers.customer_id = identity_map.customer_id
),

-- a valid email or phone that records of more than one resolved customer use
shared_emails as (
    select email_normalised
    from customer_records
    where is_valid_email
    group by email_normalised
    having count(distinct customer_key) > 1
),

shared_phones as (
    select phone_normalised
    from customer_records
    where is_valid_phone
    group by phone_normalised
    having count(distinct customer_key) > 1
),

flagged_customer_records as (
    select
        customer_records.*,
        customer_records.is_valid_email and shared_emails.email_normalised is not null as has_shared_email,
        customer_records.is_valid_phone and shared_phones.phone_normalised is not null as has_shared_phone
    from customer_records
    left join shared_emails on customer_records.email_normalised = shared_emails.email_normalised
    left join shared_phones on customer_records.phone_normalised = shared_phones.phone_normalised
),

customer_rules as (
    select
        flagged_customer_records.source_system,
        count(*) as rows_checked,
        {{ count_where("birth_date_status = 'sentinel'") }} as sentinel_birth_date,
        {{ count_where("birth_date_status = 'impossible'") }} as impossible_birth_date,
        {{ count_where("email_normalised is not null and not is_valid_email and not is_placeholder_email") }}
            as invalid_email,
        {{ count_where("is_placeholder_email") }} as placeholder_email,
        {{ count_where("email_normalised is null") }} as missing_email,
        {{ count_where("phone_normalised is not null and not is_valid_phone and not is_placeholder_phone") }}
            as invalid_phone,
        {{ count_where("is_placeholder_phone") }} as placeholder_phone,
        {{ count_where("phone_normalised is null") }} as missing_phone,
        {{ count_where("not has_address") }} as missing_address,
        {{ count_where("has_shared_email") }} as shared_email,
        {{ count_where("has_shared_phone") }} as shared_phone,
        coalesce(max(conflicting_versions.conflicting_record_version), 0) as conflicting_record_version
    from flagged_customer_records
    left join conflicting_versions on flagged_customer_records.source_system = conflicting_versions.source_system
    group by flagged_customer_records.source_system
),

-- a customer's records after its first (by creation time, then source and id) are the
-- duplicates: the source that delivered a customer the warehouse already knew
-- (one creation time per record: the raw rows of a record's versions would count it twice)
record_created as (
    select
        source_system,
        customer_id,
        min(created_at) as created_at
    from customers
    group by source_system, customer_id
),

ordered_records as (
    select
        identity_map.*,
        row_number() over (
            partition by identity_map.customer_key
            order by record_created.created_at nulls last, identity_map.source_system, identity_map.customer_id
        ) as record_order
    from identity_map
    left join record_created
        on
            identity_map.source_system = record_created.source_system
            and identity_map.customer_id = record_created.customer_id
),

record_rules as (
    select
        source_system,
        count(*) as rows_checked,
        {{ count_where('record_order > 1') }} as duplicate_record,
        {{ count_where('is_chain_split') }} as identity_chain_split,
        {{ count_where('has_unresolved_conflict') }} as identity_unresolved_conflict
    from ordered_records
    group by source_system
),

transaction_rules as (
    select
        coalesce(source_system, 'unknown') as source_system,
        count(*) as rows_checked,
        {%- for reason in quarantine_reasons() %}
        {{ count_where(non_null_list_contains('reason_codes', "'" ~ reason.code ~ "'")) }} as {{ reason.code }},
        {%- endfor %}
        {{ count_where('is_transaction_type_recoded') }} as recoded_transaction_type
    from screened
    group by coalesce(source_system, 'unknown')
),

trusted_line_rules as (
    select
        coalesce(source_system, 'unknown') as source_system,
        count(*) as rows_checked,
        {{ count_where("loaded_at > " ~ dbt.dateadd('hour', late_hours, 'transaction_at')) }} as late_arriving_line,
        {{ count_where('is_return_beyond_sales') }} as trusted_return_beyond_sales
    from screened
    where reason_count = 0
    group by coalesce(source_system, 'unknown')
),

permission_rules as (
    select
        coalesce(source_system, 'unknown') as source_system,
        count(*) as rows_checked,
        {{ count_where("unapplied_reason = 'unknown_customer'") }} as unknown_customer,
        {{ count_where("unapplied_reason = 'missing_channel_or_permission'") }} as missing_channel_or_permission,
        {{ count_where("unapplied_reason = 'future_opt_in'") }} as future_opt_in
    from contact_permissions
    group by coalesce(source_system, 'unknown')
),

interaction_rules as (
    select
        coalesce(interactions.source_system, 'unknown') as source_system,
        count(*) as rows_checked,
        {{ count_where('identity_map.customer_key is null') }} as unknown_customer
    from interactions
    left join identity_map
        on
            interactions.source_system = identity_map.source_system
            and interactions.customer_id = identity_map.customer_id
    group by coalesce(interactions.source_system, 'unknown')
),

counted as (
    {%- for table_name, checked_unit, cte, rule_name, description in rule_rows %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        source_system,
        '{{ table_name }}' as table_name,
        '{{ rule_name }}' as rule_name,
        rows_checked,
        {{ rule_name }} as rows_failing
    from {{ cte }}
    {%- endfor %}
),

rule_catalogue as (
    {%- for table_name, checked_unit, cte, rule_name, description in rule_rows %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        {{ loop.index }} as rule_order,
        '{{ table_name }}' as table_name,
        '{{ rule_name }}' as rule_name,
        '{{ description }}' as rule_description,
        '{{ checked_unit }}' as checked_unit
    {%- endfor %}
),

source_systems as (
    select distinct source_system from counted
)

select
    source_systems.source_system,
    rule_catalogue.rule_order,
    rule_catalogue.table_name,
    rule_catalogue.rule_name,
    rule_catalogue.rule_description,
    rule_catalogue.checked_unit,
    cast(coalesce(counted.rows_checked, 0) as bigint) as rows_checked,
    cast(coalesce(counted.rows_failing, 0) as bigint) as rows_failing
from source_systems
cross join rule_catalogue
left join counted
    on
        source_systems.source_system = counted.source_system
        and rule_catalogue.table_name = counted.table_name
        and rule_catalogue.rule_name = counted.rule_name
