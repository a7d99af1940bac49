{#-
    Why a transaction line cannot be trusted, in order of precedence: a broken line is
    reported for what is wrong with the line itself before what it refers to, and a re-sent
    copy of a line is reported as a duplicate only when nothing else is wrong with it.
    Each entry is (reason code, SQL condition over int_transactions__screened's inputs).
-#}
{% macro quarantine_reasons() -%}
    {{ return([
        ('missing_line_key', 'transaction_id is null or line_number is null'),
        ('missing_transaction_at', 'is_missing_transaction_at'),
        ('future_transaction_at', 'is_future_transaction_at'),
        ('invalid_transaction_type', 'not is_valid_transaction_type'),
        ('non_positive_quantity', 'is_non_positive_quantity'),
        ('missing_unit_price', 'unit_price is null'),
        ('unknown_product', 'not is_known_product'),
        ('unknown_customer', 'customer_key is null'),
        ('duplicate_line_key', 'line_key_rank > 1'),
    ]) }}
{%- endmacro %}
