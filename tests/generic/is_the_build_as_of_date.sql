{#- Fails with each date in the column that is not the as-of date of the build
    (int_customer_state__as_of), so a mart computed as of a date that was rebuilt alone with
    another as_of_date, or left behind by a failed partial rebuild, names itself and its date.
    Set on the as_of_date column of every mart computed as of one date (a pytest checks that
    every such mart has it). -#}
{% test is_the_build_as_of_date(model, column_name) %}
    with

    build_as_of as (
        select as_of_date from {{ ref('int_customer_state__as_of') }}
    ),

    mart_dates as (
        select distinct {{ column_name }} as mart_as_of_date
        from {{ model }}
    )

    select
        mart_dates.mart_as_of_date,
        build_as_of.as_of_date as build_as_of_date
    from mart_dates
    cross join build_as_of
    where mart_dates.mart_as_of_date is distinct from build_as_of.as_of_date
{% endtest %}
