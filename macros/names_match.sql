{#-
    Two records' names can belong to one person: first and last names each at least
    `min_similarity` similar and at most `identity_max_name_edits` edits apart (a typo, not a
    different name that shares a prefix, such as James and Jameson). A missing name blocks
    nothing when `allow_missing`.
-#}
{% macro names_match(left, right, min_similarity, allow_missing=false) -%}
    {%- set max_edits = var('identity_max_name_edits') -%}
    {%- for part in ['first_name', 'last_name'] %}
    {{ 'and ' if not loop.first }}coalesce(
        {{ string_similarity(left ~ '.' ~ part, right ~ '.' ~ part) }} >= {{ min_similarity }}
        and {{ string_edit_distance(left ~ '.' ~ part, right ~ '.' ~ part) }} <= {{ max_edits }},
        {{ 'true' if allow_missing else 'false' }}
    )
    {%- endfor %}
{%- endmacro %}
