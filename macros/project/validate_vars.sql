{#-
    Every var of dbt_project.yml, its type and its range: the one table the validator reads
    (a var missing here fails the project-conventions test). Kinds:
      whole         a whole number >= min (and <= max when given); unit 'days' in the message
      share         a number in (0, 1]
      fraction      a number strictly between 0 and 1
      probability   a number in [0, 1]
      rate          a number in [0, 1)
      number        any number
      date          a real date YYYY-MM-DD (nullable: null allowed)
      boolean       true or false (text: 'true'/'false' accepted too, where configs read it as text)
      choice        one of values
      pattern       text matching the regular expression (words: what it must be)
      words         a list of words (letters, digits, _)
      abbreviations a mapping of lower-case words to lower-case words
      rules         a structured var checked where it is read (macros/identity/identity_model.sql,
                    macros/customer_state/segment_history.sql)
-#}
{% macro var_rules() -%}
    {{ return([
        {'name': 'as_of_date', 'kind': 'date', 'nullable': true},
        {'name': 'history_start_date', 'kind': 'date', 'nullable': true},
        {'name': 'record_history_month_ends', 'kind': 'rules'},
        {'name': 'currency', 'kind': 'pattern', 'regex': '^[A-Z]{3}$',
         'words': 'a three-letter currency code in capitals, such as USD, EUR or GBP'},
        {'name': 'profitability_window_months', 'kind': 'whole', 'min': 1},
        {'name': 'abc_value_metric', 'kind': 'choice', 'values': ['net_profit', 'gross_profit', 'revenue']},
        {'name': 'abc_a_share', 'kind': 'share'},
        {'name': 'abc_b_share', 'kind': 'share'},
        {'name': 'strategic_share', 'kind': 'share'},
        {'name': 'fct_sales_lookback_days', 'kind': 'whole', 'min': 0},
        {'name': 'new_customer_days', 'kind': 'whole', 'min': 1, 'unit': 'days'},
        {'name': 'active_days', 'kind': 'whole', 'min': 1, 'unit': 'days'},
        {'name': 'churn_days', 'kind': 'whole', 'min': 1, 'unit': 'days'},
        {'name': 'clv_time_unit_days', 'kind': 'whole', 'min': 1},
        {'name': 'clv_horizon_months', 'kind': 'whole', 'min': 1},
        {'name': 'clv_monthly_discount_rate', 'kind': 'rate', 'example': 'e.g. 0.01 for 1% a month'},
        {'name': 'clv_holdout_days', 'kind': 'whole', 'min': 1},
        {'name': 'clv_min_customers', 'kind': 'whole', 'min': 1},
        {'name': 'clv_min_repeat_customers', 'kind': 'whole', 'min': 1},
        {'name': 'clv_fit', 'kind': 'boolean', 'text_allowed': true},
        {'name': 'campaign_win_back_max_p_alive', 'kind': 'probability'},
        {'name': 'campaign_retention_max_p_alive', 'kind': 'probability'},
        {'name': 'campaign_contact_cooldown_days', 'kind': 'whole', 'min': 0, 'unit': 'days'},
        {'name': 'contact_requires_opt_in', 'kind': 'boolean'},
        {'name': 'campaign_measurement_days', 'kind': 'whole', 'min': 0, 'unit': 'days'},
        {'name': 'campaign_confidence_level', 'kind': 'choice', 'values': z_scores().keys() | sort | list},
        {'name': 'loyalty_tier_hold_months', 'kind': 'whole', 'min': 1},
        {'name': 'phone_country_code', 'kind': 'pattern', 'regex': '^[0-9]{1,3}$',
         'words': '1 to 3 digits, such as 1 or 44'},
        {'name': 'phone_national_length', 'kind': 'whole', 'min': 4, 'max': 15},
        {'name': 'max_customer_age_years', 'kind': 'whole', 'min': 1},
        {'name': 'future_timestamp_tolerance_hours', 'kind': 'whole', 'min': 0},
        {'name': 'late_arrival_hours', 'kind': 'whole', 'min': 0},
        {'name': 'earliest_transaction_date', 'kind': 'date'},
        {'name': 'trust_returns_beyond_sales', 'kind': 'boolean'},
        {'name': 'identity_blocking_rules', 'kind': 'rules'},
        {'name': 'identity_max_block_records', 'kind': 'whole', 'min': 2},
        {'name': 'identity_training_rules', 'kind': 'rules'},
        {'name': 'identity_em_iterations', 'kind': 'whole', 'min': 1},
        {'name': 'identity_em_initial_match_share', 'kind': 'fraction'},
        {'name': 'identity_u_sample_pairs', 'kind': 'whole', 'min': 1000},
        {'name': 'identity_training_sample_pairs', 'kind': 'whole', 'min': 100},
        {'name': 'identity_close_similarity', 'kind': 'fraction'},
        {'name': 'identity_similar_similarity', 'kind': 'fraction'},
        {'name': 'identity_match_weight', 'kind': 'number'},
        {'name': 'identity_review_weight', 'kind': 'number'},
        {'name': 'identity_conflicting_birth_date_edits', 'kind': 'whole', 'min': 1},
        {'name': 'identity_chain_max_cuts', 'kind': 'whole', 'min': 1},
        {'name': 'identity_organisation_customer_types', 'kind': 'words'},
        {'name': 'identity_max_passes', 'kind': 'whole', 'min': 1},
        {'name': 'identity_address_abbreviations', 'kind': 'abbreviations'},
    ]) }}
{%- endmacro %}

{#- The problem with one var's value by its rule, or none. -#}
{% macro var_problem(rule, value) -%}
    {%- set kind, said = rule.kind, rule.name ~ " is '" ~ value ~ "'; it must be " -%}
    {%- set is_number = value is number and value is not sameas true and value is not sameas false -%}
    {%- if kind == 'whole' -%}
        {%- set fits = is_number and value == value | int and value >= rule.min
            and (rule.max is not defined or value <= rule.max) -%}
        {%- if not fits and rule.max is defined -%}
            {{ return(said ~ "a whole number from " ~ rule.min ~ " to " ~ rule.max) }}
        {%- elif not fits -%}
            {{ return(said ~ "a whole number " ~ ("of days " if rule.unit == 'days' else "") ~ ">= " ~ rule.min) }}
        {%- endif -%}
    {%- elif kind == 'share' and not (is_number and 0 < value <= 1) -%}
        {{ return(said ~ "a number in (0, 1]") }}
    {%- elif kind == 'fraction' and not (is_number and 0 < value < 1) -%}
        {{ return(said ~ "a number between 0 and 1") }}
    {%- elif kind == 'probability' and not (is_number and 0 <= value <= 1) -%}
        {{ return(said ~ "a probability in [0, 1]") }}
    {%- elif kind == 'rate' and not (is_number and 0 <= value < 1) -%}
        {{ return(said ~ "a number in [0, 1), " ~ rule.example) }}
    {%- elif kind == 'number' and not is_number -%}
        {{ return(said ~ "a number") }}
    {%- elif kind == 'date' and not ((rule.nullable and value is none) or (value is not none and is_iso_date(value))) -%}
        {{ return(said ~ "a real date written YYYY-MM-DD") }}
    {%- elif kind == 'boolean' and not (value is sameas true or value is sameas false
            or (rule.text_allowed and value | string | lower in ['true', 'false'])) -%}
        {{ return(said ~ "true or false") }}
    {%- elif kind == 'choice' and value not in rule['values'] -%}
        {{ return(rule.name ~ " is '" ~ value ~ "'; use one of " ~ rule['values'] | join(', ')) }}
    {%- elif kind == 'pattern' and not modules.re.match(rule.regex, value | string) -%}
        {{ return(said ~ rule.words) }}
    {%- elif kind == 'words' -%}
        {%- set fits = value is iterable and value is not string and value is not mapping and value | length > 0 -%}
        {%- for word in (value if fits else []) if not (word is string and modules.re.match('^[A-Za-z0-9_]+$', word)) -%}
            {%- set fits = false -%}
            {{ return(said ~ "a list of words (letters, digits and _), such as [B2B, B2G]") }}
        {%- endfor -%}
        {%- if not fits -%}
            {{ return(said ~ "a list of words (letters, digits and _), such as [B2B, B2G]") }}
        {%- endif -%}
    {%- elif kind == 'abbreviations' -%}
        {%- if value is not mapping -%}
            {{ return(said ~ "a mapping of short forms to words, such as {st: street}") }}
        {%- endif -%}
        {%- for short, long in value.items() if not (short is string and long is string
                and modules.re.match('^[a-z]+$', short) and modules.re.match('^[a-z]+( [a-z]+)*$', long)) -%}
            {{ return(rule.name ~ ": '" ~ short ~ "': '" ~ long ~ "' must be lower-case words, such as st: street") }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#-
    Fail early, naming the var, when a var cannot mean anything: each var by its rule in
    var_rules(), then the rules between vars (shares and thresholds in order). Runs as
    on-run-start, so no model is built with a bad setting; every problem is reported at once.
-#}
{% macro validate_vars() %}
    {%- set problems = [] -%}
    {%- set valid = {} -%}
    {%- for rule in var_rules() -%}
        {%- set problem = var_problem(rule, var(rule.name)) -%}
        {%- if problem -%}
            {%- do problems.append(problem) -%}
        {%- else -%}
            {%- do valid.update({rule.name: var(rule.name)}) -%}
        {%- endif -%}
    {%- endfor -%}

    {%- if 'abc_a_share' in valid and 'abc_b_share' in valid and valid.abc_a_share >= valid.abc_b_share -%}
        {%- do problems.append("abc_a_share (" ~ valid.abc_a_share ~ ") must be below abc_b_share ("
            ~ valid.abc_b_share ~ ")") -%}
    {%- endif -%}
    {%- if 'active_days' in valid and 'churn_days' in valid and valid.active_days >= valid.churn_days -%}
        {%- do problems.append("active_days (" ~ valid.active_days ~ ") must be below churn_days ("
            ~ valid.churn_days ~ ")") -%}
    {%- endif -%}
    {%- if 'identity_similar_similarity' in valid and 'identity_close_similarity' in valid
        and valid.identity_similar_similarity > valid.identity_close_similarity -%}
        {%- do problems.append("identity_similar_similarity (" ~ valid.identity_similar_similarity
            ~ ") must not be above identity_close_similarity (" ~ valid.identity_close_similarity ~ ")") -%}
    {%- endif -%}
    {%- if 'identity_review_weight' in valid and 'identity_match_weight' in valid
        and valid.identity_review_weight > valid.identity_match_weight -%}
        {%- do problems.append("identity_review_weight (" ~ valid.identity_review_weight
            ~ ") and identity_match_weight (" ~ valid.identity_match_weight
            ~ ") must be numbers, the review weight not above the match weight") -%}
    {%- endif -%}

    {%- if problems -%}
        {{ exceptions.raise_compiler_error("Invalid vars:\n  - " ~ problems | join("\n  - ")) }}
    {%- endif -%}
{% endmacro %}

{#- True when value is a real calendar date written as YYYY-MM-DD. -#}
{% macro is_iso_date(value) -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^\d{4}-\d{2}-\d{2}$', text) -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set year, month, day = text.split('-') | map('int') | list -%}
    {%- set leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 -%}
    {%- set month_days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] -%}
    {{ return(1 <= month <= 12 and 1 <= day <= month_days[month - 1]) }}
{%- endmacro %}
