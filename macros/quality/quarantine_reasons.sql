{#-
    Why a transaction line cannot be trusted, in order of precedence: a broken line is
    reported for what is wrong with the line itself before what it refers to, and a delivery
    that a later one replaced (superseded) or repeated (duplicate) is reported as such only
    when nothing else is wrong with it. A return of more units than the customer bought
    (return_beyond_sales) is judged among lines with nothing else wrong, so it comes last; it is
    a reason only when trust_returns_beyond_sales is false (else a trusted line that the
    scorecard counts under trusted_lines). The one home of the rules: the screening model, the
    data-quality scorecard and the documentation all read this list.
    Each entry: code, SQL condition over int_transactions__screened's inputs, description, and
    judged_among_trusted_lines for a reason judged after the others (over the lines they leave).
-#}
{% macro quarantine_reasons() -%}
    {%- set reasons = [
        {'code': 'missing_line_key', 'condition': 'transaction_id is null or line_number is null',
         'description': 'No transaction id or line number'},
        {'code': 'missing_transaction_at', 'condition': 'is_missing_transaction_at',
         'description': 'No transaction timestamp'},
        {'code': 'future_transaction_at', 'condition': 'is_future_transaction_at',
         'description': 'Timestamp after the line reached the warehouse'},
        {'code': 'before_earliest_transaction_at', 'condition': 'is_before_earliest_transaction_at',
         'description': 'Timestamp before earliest_transaction_date (a placeholder such as 0001-01-01)'},
        {'code': 'invalid_transaction_type', 'condition': 'not is_valid_transaction_type',
         'description': 'Type is neither sale nor return'},
        {'code': 'non_positive_quantity', 'condition': 'is_non_positive_quantity',
         'description': 'Quantity zero, negative or missing'},
        {'code': 'missing_unit_price', 'condition': 'unit_price is null',
         'description': 'No unit price'},
        {'code': 'negative_discount', 'condition': 'is_negative_discount',
         'description': 'Negative discount (it would raise the price)'},
        {'code': 'discount_above_gross', 'condition': 'is_discount_above_gross',
         'description': 'Discount larger than quantity times unit price'},
        {'code': 'unknown_product', 'condition': 'not is_known_product',
         'description': 'Product not in the product master'},
        {'code': 'unknown_customer', 'condition': 'customer_key is null',
         'description': 'Customer record not in the customer master'},
        {'code': 'superseded_line', 'condition': 'is_superseded',
         'description': 'Corrected: a later delivery of the line key has other values'},
        {'code': 'duplicate_line_key', 'condition': 'is_duplicate_delivery',
         'description': 'Re-delivery of a line key with the same values as the kept delivery'},
    ] -%}
    {%- if not var('trust_returns_beyond_sales') -%}
        {%- do reasons.append({'code': 'return_beyond_sales', 'condition': 'is_return_beyond_sales',
            'description': 'Return of more units than the customer had bought of the product by then',
            'judged_among_trusted_lines': true}) -%}
    {%- endif -%}
    {{ return(reasons) }}
{%- endmacro %}

{#- The staged columns that make a delivery of a line key what it is: two deliveries with the
    same values are copies, with different values one corrects the other. loaded_at and the
    file position are where it arrived, not what it says. -#}
{% macro line_value_columns() -%}
    {{ return([
        'customer_id', 'source_system', 'product_id', 'transaction_at', 'transaction_type',
        'quantity', 'unit_price', 'discount_amount', 'channel',
    ]) }}
{%- endmacro %}
