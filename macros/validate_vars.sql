{#-
    Fail early, naming the var, when a var cannot mean anything: an unknown ABC metric,
    shares that are not increasing within (0, 1], a malformed date, a non-positive window,
    lifecycle thresholds that are not whole days or where active_days >= churn_days.
    Runs as on-run-start, so no model is built with a bad setting.
-#}
{% macro validate_vars() %}
    {%- set problems = [] -%}

    {%- set metric = var('abc_value_metric') -%}
    {%- set metrics = ['net_profit', 'gross_profit', 'revenue'] -%}
    {%- if metric not in metrics -%}
        {%- do problems.append("abc_value_metric is '" ~ metric ~ "'; use one of " ~ metrics | join(', ')) -%}
    {%- endif -%}

    {%- set shares = [] -%}
    {%- for name in ['abc_a_share', 'abc_b_share', 'strategic_share'] -%}
        {%- set value = var(name) -%}
        {%- if value is number and value > 0 and value <= 1 -%}
            {%- do shares.append(value) -%}
        {%- else -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a number in (0, 1]") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('abc_a_share') is number and var('abc_b_share') is number
        and var('abc_a_share') >= var('abc_b_share') -%}
        {%- do problems.append("abc_a_share (" ~ var('abc_a_share') ~ ") must be below abc_b_share ("
            ~ var('abc_b_share') ~ ")") -%}
    {%- endif -%}

    {%- set window = var('profitability_window_months') -%}
    {%- if not (window is number and window == window | int and window >= 1) -%}
        {%- do problems.append("profitability_window_months is '" ~ window ~ "'; it must be a whole number >= 1") -%}
    {%- endif -%}

    {%- set days = [] -%}
    {%- for name in ['new_customer_days', 'active_days', 'churn_days'] -%}
        {%- set value = var(name) -%}
        {%- if value is number and value == value | int and value >= 1 -%}
            {%- do days.append(value) -%}
        {%- else -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a whole number of days >= 1") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if days | length == 3 and days[1] >= days[2] -%}
        {%- do problems.append("active_days (" ~ days[1] ~ ") must be below churn_days (" ~ days[2] ~ ")") -%}
    {%- endif -%}

    {%- for name in ['clv_time_unit_days', 'clv_horizon_months', 'clv_holdout_days', 'clv_min_customers',
                     'clv_min_repeat_customers', 'loyalty_tier_hold_months'] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and value == value | int and value >= 1) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a whole number >= 1") -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the CLV models' folder configs read clv_fit as text: anything but true or false would
        switch the fit off without a word -#}
    {%- if var('clv_fit') | string | lower not in ['true', 'false'] -%}
        {%- do problems.append("clv_fit is '" ~ var('clv_fit') ~ "'; it must be true or false") -%}
    {%- endif -%}
    {%- set rate = var('clv_monthly_discount_rate') -%}
    {%- if not (rate is number and 0 <= rate < 1) -%}
        {%- do problems.append("clv_monthly_discount_rate is '" ~ rate ~ "'; it must be a number in [0, 1), e.g. 0.01 for 1% a month") -%}
    {%- endif -%}

    {%- for name in ['campaign_contact_cooldown_days', 'campaign_measurement_days'] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and value == value | int and value >= 0) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a whole number of days >= 0") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in ['campaign_win_back_max_p_alive', 'campaign_retention_max_p_alive'] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and 0 <= value <= 1) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a probability in [0, 1]") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('campaign_confidence_level') not in z_scores() -%}
        {%- do problems.append("campaign_confidence_level is '" ~ var('campaign_confidence_level')
            ~ "'; use one of " ~ z_scores().keys() | sort | join(', ')) -%}
    {%- endif -%}

    {%- for name in ['max_customer_age_years', 'future_timestamp_tolerance_hours', 'late_arrival_hours',
                     'fct_sales_lookback_days'] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and value == value | int and value >= 0) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a whole number >= 0") -%}
        {%- endif -%}
    {%- endfor -%}
    {#- the phone vars are written into SQL: digits only, or a quote would break the build -#}
    {%- if not modules.re.match('^[0-9]{1,3}$', var('phone_country_code') | string) -%}
        {%- do problems.append("phone_country_code is '" ~ var('phone_country_code')
            ~ "'; it must be 1 to 3 digits, such as 1 or 44") -%}
    {%- endif -%}
    {%- set national = var('phone_national_length') -%}
    {%- if not (national is number and national == national | int and 4 <= national <= 15) -%}
        {%- do problems.append("phone_national_length is '" ~ national ~ "'; it must be a whole number from 4 to 15") -%}
    {%- endif -%}
    {%- if var('trust_returns_beyond_sales') not in [true, false] -%}
        {%- do problems.append("trust_returns_beyond_sales is '" ~ var('trust_returns_beyond_sales')
            ~ "'; it must be true or false") -%}
    {%- endif -%}
    {%- if not is_iso_date(var('earliest_transaction_date')) -%}
        {%- do problems.append("earliest_transaction_date is '" ~ var('earliest_transaction_date')
            ~ "'; it must be a real date written YYYY-MM-DD") -%}
    {%- endif -%}

    {%- for name in ['as_of_date', 'history_start_date'] -%}
        {%- set value = var(name) -%}
        {%- if value is not none and not is_iso_date(value) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a real date written YYYY-MM-DD") -%}
        {%- endif -%}
    {%- endfor -%}

    {#- identity resolution: whole numbers, similarities and weights in order -#}
    {%- for name, least in [('identity_max_block_records', 2), ('identity_em_iterations', 1),
                            ('identity_u_sample_pairs', 1000), ('identity_conflicting_birth_date_edits', 1),
                            ('identity_chain_max_cuts', 1), ('identity_max_passes', 1)] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and value == value | int and value >= least) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a whole number >= " ~ least) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in ['identity_close_similarity', 'identity_similar_similarity', 'identity_em_initial_match_share'] -%}
        {%- set value = var(name) -%}
        {%- if not (value is number and 0 < value < 1) -%}
            {%- do problems.append(name ~ " is '" ~ value ~ "'; it must be a number between 0 and 1") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if var('identity_similar_similarity') is number and var('identity_close_similarity') is number
        and var('identity_similar_similarity') > var('identity_close_similarity') -%}
        {%- do problems.append("identity_similar_similarity (" ~ var('identity_similar_similarity')
            ~ ") must not be above identity_close_similarity (" ~ var('identity_close_similarity') ~ ")") -%}
    {%- endif -%}
    {%- set match_weight, review_weight = var('identity_match_weight'), var('identity_review_weight') -%}
    {%- if not (match_weight is number and review_weight is number and review_weight <= match_weight) -%}
        {%- do problems.append("identity_review_weight (" ~ review_weight ~ ") and identity_match_weight ("
            ~ match_weight ~ ") must be numbers, the review weight not above the match weight") -%}
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
