-- Four rows, one per customer type (B2C, B2B, B2G, and unknown for customers whose records
-- name none): how many customers, what they bring and what serving them costs, so a business
-- that sells to consumers, companies and government bodies sees which pays for which
-- (segment_economics_by; the customers with a sale in the window, as in segment_economics).
{{ segment_economics_by(
    "coalesce(customers.customer_type, 'unknown')", ['B2C', 'B2B', 'B2G', 'unknown'], 'customer_type',
    with_customers=true
) }}
