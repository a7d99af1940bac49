-- One row per data-quality rule: the table it checks, rows checked, rows failing and the
-- failing share, as of this build. Analysts read it to judge how far to trust the data.
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

conflicting_versions as (
    select count(*) as conflicting_record_version
    from superseded_versions
    where reason_code = 'conflicting_version'
),

interactions as (
    select * from {{ ref('stg_crm__interactions') }}
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
        max(conflicting_versions.conflicting_record_version) as conflicting_record_version
    from flagged_customer_records
    cross join conflicting_versions
),

record_rules as (
    select
        count(*) as rows_checked,
        count(*) - count(distinct customer_key) as duplicate_record,
        {{ count_where('is_chain_split') }} as identity_chain_split,
        {{ count_where('has_unresolved_conflict') }} as identity_unresolved_conflict
    from identity_map
),

transaction_rules as (
    select
        count(*) as rows_checked,
        {%- for reason in quarantine_reasons() %}
        {{ count_where(non_null_list_contains('reason_codes', "'" ~ reason.code ~ "'")) }} as {{ reason.code }},
        {%- endfor %}
        {{ count_where('is_transaction_type_recoded') }} as recoded_transaction_type
    from screened
),

trusted_line_rules as (
    select
        count(*) as rows_checked,
        {{ count_where("loaded_at > " ~ dbt.dateadd('hour', late_hours, 'transaction_at')) }} as late_arriving_line,
        {{ count_where('is_return_beyond_sales') }} as trusted_return_beyond_sales
    from screened
    where reason_count = 0
),

contact_permissions as (
    select * from {{ ref('int_customers__contact_permissions') }}
),

permission_rules as (
    select
        count(*) as rows_checked,
        {{ count_where("unapplied_reason = 'unknown_customer'") }} as unknown_customer,
        {{ count_where("unapplied_reason = 'missing_channel_or_permission'") }} as missing_channel_or_permission,
        {{ count_where("unapplied_reason = 'future_opt_in'") }} as future_opt_in
    from contact_permissions
),

interaction_rules as (
    select
        count(*) as rows_checked,
        {{ count_where('identity_map.customer_key is null') }} as unknown_customer
    from interactions
    left join identity_map
        on
            interactions.source_system = identity_map.source_system
            and interactions.customer_id = identity_map.customer_id
),

rules as (
    {%- for table_name, checked_unit, cte, rule_name, description in rule_rows %}
    {%- if not loop.first %}
    union all
    {%- endif %}
    select
        '{{ table_name }}' as table_name,
        '{{ rule_name }}' as rule_name,
        '{{ description }}' as rule_description,
        '{{ checked_unit }}' as checked_unit,
        rows_checked,
        {{ rule_name }} as rows_failing
    from {{ cte }}
    {%- endfor %}
)

select
    table_name,
    rule_name,
    rule_description,
    checked_unit,
    rows_checked,
    rows_failing,
    case
        when rows_checked = 0 then cast(0 as {{ type_double() }})
        else cast(rows_failing as {{ type_double() }}) / rows_checked
    end as failing_share
from rules
