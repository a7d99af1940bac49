{#-
    The one home of the identity model's comparisons: which fields are compared, at which
    levels, and how a pair of records is given a level per field. Level codes: 0 = missing
    (one side has no value; neutral, weight 0), 1 = different (for the address: moved, then
    2 = different), then increasing agreement up to the last, `exact`. The candidate pairs, the
    random pairs that give u, the EM that learns m, the scoring and the published parameters
    all read these macros.
-#}
{% macro identity_comparisons() -%}
    {{ return([
        {'field': 'first_name', 'levels': ['different', 'initial', 'similar', 'nickname', 'close', 'exact']},
        {'field': 'last_name', 'levels': ['different', 'similar', 'close', 'exact']},
        {'field': 'birth_date', 'levels': ['different', 'same_year', 'close', 'exact']},
        {'field': 'postal_code', 'levels': ['different', 'close', 'exact']},
        {'field': 'address', 'levels': ['moved', 'different', 'similar', 'close', 'exact']},
        {'field': 'city', 'levels': ['different', 'close', 'exact']},
        {'field': 'email', 'levels': ['different', 'exact']},
        {'field': 'phone', 'levels': ['different', 'exact']},
    ]) }}
{%- endmacro %}

{#- The columns of int_customer_identity__records a blocking rule may use, and the compared
    fields each one decides (a training session on a rule learns nothing about those fields):
    a postal code or city shared by construction also rules out the address's `moved`. -#}
{% macro identity_blocking_keys() -%}
    {{ return({
        'email': ['email'], 'phone': ['phone'],
        'first_name': ['first_name'], 'first_name_canonical': ['first_name'], 'first_initial': ['first_name'],
        'last_name': ['last_name'], 'last_initial': ['last_name'],
        'name_key_low': ['first_name', 'last_name'], 'name_key_high': ['first_name', 'last_name'],
        'name_initials': ['first_name', 'last_name'],
        'birth_date': ['birth_date'], 'birth_year': ['birth_date'],
        'postal_code': ['postal_code', 'address'], 'city': ['city', 'address'],
        'address': ['address'], 'house_number': ['address'], 'street': ['address'],
    }) }}
{%- endmacro %}

{#- The blocking rules, checked: a clear error for an unknown key or a rule without a name. -#}
{% macro identity_blocking_rules() -%}
    {%- set rules = var('identity_blocking_rules') -%}
    {%- set allowed = identity_blocking_keys() -%}
    {%- if rules is string or rules | length == 0 -%}
        {{ exceptions.raise_compiler_error("identity_blocking_rules must be a list of {name: ..., keys: [...]}") }}
    {%- endif -%}
    {#- the rules that find a pair are one bit each of a whole number (the candidate pairs) #}
    {%- if rules | length > 52 -%}
        {{ exceptions.raise_compiler_error("identity_blocking_rules: at most 52 rules; got " ~ rules | length) }}
    {%- endif -%}
    {%- for rule in rules -%}
        {%- if rule.name is not defined or rule['keys'] is not defined or rule['keys'] | length == 0 -%}
            {{ exceptions.raise_compiler_error("identity_blocking_rules: every rule needs a name and keys; got " ~ rule) }}
        {%- endif -%}
        {%- for key in rule['keys'] if key not in allowed -%}
            {{ exceptions.raise_compiler_error("identity_blocking_rules: rule '" ~ rule.name ~ "' blocks on '" ~ key
                ~ "', which is not a key; use " ~ allowed.keys() | sort | join(', ')) }}
        {%- endfor -%}
        {%- if rule.max_block_records is defined and (rule.max_block_records is not number
                or rule.max_block_records != rule.max_block_records | int or rule.max_block_records < 2) -%}
            {{ exceptions.raise_compiler_error("identity_blocking_rules: rule '" ~ rule.name
                ~ "' has max_block_records " ~ rule.max_block_records ~ "; it must be a whole number >= 2") }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{#- The largest block (records sharing the rule's keys) that yields candidate pairs under `rule`:
    the rule's own max_block_records, else identity_max_block_records. -#}
{% macro identity_rule_max_block_records(rule) -%}
    {{ return(rule.max_block_records if rule.max_block_records is defined else var('identity_max_block_records')) }}
{%- endmacro %}

{#- The training rules, each with its keys and the fields it cannot learn; every field must be
    learned by one. -#}
{% macro identity_training_sessions() -%}
    {%- set rules = {} -%}
    {%- for rule in identity_blocking_rules() -%}{%- do rules.update({rule.name: rule}) -%}{%- endfor -%}
    {%- set sessions = [] -%}
    {%- set learned = [] -%}
    {%- for name in var('identity_training_rules') -%}
        {%- if name not in rules -%}
            {{ exceptions.raise_compiler_error("identity_training_rules: '" ~ name
                ~ "' is not one of identity_blocking_rules (" ~ rules.keys() | join(', ') ~ ")") }}
        {%- endif -%}
        {%- set blocked = [] -%}
        {%- for key in rules[name]['keys'] -%}{%- do blocked.extend(identity_blocking_keys()[key]) -%}{%- endfor -%}
        {%- do sessions.append({'rule': name, 'keys': rules[name]['keys'], 'blocked_fields': blocked | unique | list}) -%}
        {%- for comparison in identity_comparisons() if comparison.field not in blocked -%}
            {%- do learned.append(comparison.field) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for comparison in identity_comparisons() if comparison.field not in learned -%}
        {{ exceptions.raise_compiler_error("identity_training_rules: no training rule learns '" ~ comparison.field
            ~ "' (each rule learns every field but those it blocks on); add a rule that does not block on it") }}
    {%- endfor -%}
    {{ return(sessions) }}
{%- endmacro %}

{#-
    A pair of records `a` and `b` (aliases of int_customer_identity__records, with the joins of
    identity_aligned_pair_joins) as the comparisons read it, in two selects:
    identity_pair_columns in the select of the join, identity_aligned_columns in a select on top
    of it. The result has a_<column> and b_<column>, with b's first and last name swapped when
    they fit a's names better crossed than straight (a swapped-name record), and each string
    similarity and edit distance the levels need as a column of its own. Each is computed once
    per pair: Spark inlines its SQL functions at every use, and PostgreSQL's are PL/pgSQL.
-#}
{% macro identity_pair_columns(a, b) -%}
    {%- set organisations = "('" ~ var('identity_organisation_customer_types') | join("', '") ~ "')" %}
    {{ a }}.record_id as record_id_a,
    {{ b }}.record_id as record_id_b,
    coalesce({{ a }}.customer_type in {{ organisations }} and {{ b }}.customer_type in {{ organisations }}, false)
        as is_organisation_pair,
    {%- for side in [a, b] %}
    {%- set prefix = 'a_' if loop.first else 'b_' %}
    {%- for column in identity_pair_record_columns() %}
    {{ side }}.{{ column }} as {{ prefix }}{{ column }},
    {%- endfor %}
    {%- endfor %}
    -- the names straight (first with first) and crossed (first with last)
    {%- for left, right in [('first_name', 'first_name'), ('last_name', 'last_name'),
                            ('first_name', 'last_name'), ('last_name', 'first_name')] %}
    {{ string_similarity(a ~ '.' ~ left, b ~ '.' ~ right) }} as {{ left.split('_')[0] }}_{{ right.split('_')[0] }}_similarity,
    {%- endfor %}
    -- 1 and 0 when equal, and computed only where the levels read them: the street when the
    -- house numbers agree, the house number when the streets do
    {%- for column, needed in [('city', 'true'), ('street', 'house_number'), ('address', 'true')] %}
    case
        when {{ a }}.{{ column }} = {{ b }}.{{ column }} then 1.0
        {%- if needed == 'true' %}
        else {{ string_similarity(a ~ '.' ~ column, b ~ '.' ~ column) }}
        {%- else %}
        when {{ a }}.{{ needed }} = {{ b }}.{{ needed }} then {{ string_similarity(a ~ '.' ~ column, b ~ '.' ~ column) }}
        {%- endif %}
    end as {{ column }}_similarity,
    {%- endfor %}
    {%- for column, needed in [('postal_code', 'true'), ('house_number', 'street'), ('birth_date_digits', 'true')] %}
    case
        when {{ a }}.{{ column }} = {{ b }}.{{ column }} then 0
        {%- if needed == 'true' %}
        else {{ string_edit_distance(a ~ '.' ~ column, b ~ '.' ~ column) }}
        {%- else %}
        when {{ a }}.{{ needed }} = {{ b }}.{{ needed }} then {{ string_edit_distance(a ~ '.' ~ column, b ~ '.' ~ column) }}
        {%- endif %}
    end as {{ column.replace('_digits', '') }}_edits,
    {%- endfor %}
    -- one first name is a nickname of the other (int_customer_identity__name_alias_pairs)
    nicknames_straight.first_name_b is not null as is_straight_nickname,
    nicknames_crossed.first_name_b is not null as is_crossed_nickname
{%- endmacro %}

{#- The columns of a record that a pair carries as a_<column> and b_<column>. -#}
{% macro identity_pair_record_columns() -%}
    {{ return(['first_name', 'last_name', 'email', 'phone', 'birth_date', 'birth_year', 'birth_month', 'birth_day',
               'birth_date_digits', 'postal_code', 'city', 'address', 'house_number', 'street']) }}
{%- endmacro %}

{#- The select list on top of identity_pair_columns: the pair aligned, after `carried` columns.
    Swapped: the crossed names are more alike than the straight ones, and each crossed pair is
    alike (at least `identity_similar_similarity` similar, or one is the initial of the other). -#}
{% macro identity_aligned_columns(carried=[]) -%}
    {%- set similar = var('identity_similar_similarity') %}
    {%- set swapped -%}
        coalesce(
            first_last_similarity + last_first_similarity > first_first_similarity + last_last_similarity
            and (first_last_similarity >= {{ similar }} or ((length(a_first_name) = 1 or length(b_last_name) = 1)
                and left(a_first_name, 1) = left(b_last_name, 1)))
            and (last_first_similarity >= {{ similar }} or ((length(a_last_name) = 1 or length(b_first_name) = 1)
                and left(a_last_name, 1) = left(b_first_name, 1))),
            false
        )
    {%- endset %}
    {%- for column in carried %}
    {{ column }},
    {%- endfor %}
    record_id_a,
    record_id_b,
    {{ swapped }} as is_name_swapped,
    is_organisation_pair,
    {%- for column in identity_pair_record_columns() %}
    a_{{ column }},
    {%- endfor %}
    case when {{ swapped }} then b_last_name else b_first_name end as b_first_name,
    case when {{ swapped }} then b_first_name else b_last_name end as b_last_name,
    case when {{ swapped }} then first_last_similarity else first_first_similarity end as first_name_similarity,
    case when {{ swapped }} then last_first_similarity else last_last_similarity end as last_name_similarity,
    (is_straight_nickname and not {{ swapped }}) or (is_crossed_nickname and {{ swapped }}) as is_nickname,
    {%- for column in ['city', 'street', 'address'] %}
    {{ column }}_similarity,
    {%- endfor %}
    postal_code_edits,
    house_number_edits,
    birth_date_edits,
    {%- for column in identity_pair_record_columns() if column not in ('first_name', 'last_name') %}
    b_{{ column }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- The joins that tell whether a's first name is a nickname of b's (straight or crossed). -#}
{% macro identity_aligned_pair_joins(a, b) -%}
    left join name_alias_pairs as nicknames_straight
        on {{ a }}.first_name = nicknames_straight.first_name_a and {{ b }}.first_name = nicknames_straight.first_name_b
    left join name_alias_pairs as nicknames_crossed
        on {{ a }}.first_name = nicknames_crossed.first_name_a and {{ b }}.last_name = nicknames_crossed.first_name_b
{%- endmacro %}

{#- Day and month swapped in one of two valid birth dates (a typist's transposition). -#}
{% macro birth_date_transposed(a='a_', b='b_') -%}
    ({{ a }}birth_year = {{ b }}birth_year and {{ a }}birth_month = {{ b }}birth_day
        and {{ a }}birth_day = {{ b }}birth_month)
{%- endmacro %}

{#- SQL: the level code of one field for an aligned pair (columns a_<x>, b_<x>).
    - A move: the street address differs and so do the postal code and the city (those given).
      A person who moves changes all three at once, so it counts once, as the address's level
      `moved`, and the postal code and city say nothing more (weighed on their own, one move
      would count as three disagreements).
    - Two contacts of organisations: their location is the organisation's, shared by
      colleagues; it counts once, as the street address (agreeing on its postal code and city
      as well adds nothing); disagreeing still counts against. -#}
{% macro identity_level(field) -%}
    {%- set address = identity_level_case('address') -%}
    {%- set postal_code = identity_level_case('postal_code') -%}
    {%- set city = identity_level_case('city') -%}
    {%- set moved -%}
        ({{ address }} = {{ identity_level_code('address', 'different') }}
            and {{ postal_code }} in (0, {{ identity_level_code('postal_code', 'different') }})
            and {{ city }} in (0, {{ identity_level_code('city', 'different') }})
            and {{ postal_code }} + {{ city }} > 0)
    {%- endset -%}
    {%- if field == 'address' -%}
    (case when {{ moved }} then {{ identity_level_code('address', 'moved') }} else {{ address }} end)
    {%- elif field in ('postal_code', 'city') -%}
    (case
        when {{ moved }} then 0
        when is_organisation_pair and {{ identity_level_case(field) }} > {{ identity_level_code(field, 'different') }}
            then 0
        else {{ identity_level_case(field) }}
    end)
    {%- else -%}
    {{ identity_level_case(field) }}
    {%- endif -%}
{%- endmacro %}

{#- The code of level `level` of `field` (identity_comparisons: 1 for its first level). -#}
{% macro identity_level_code(field, level) -%}
    {%- for comparison in identity_comparisons() if comparison.field == field and level in comparison.levels -%}
        {{ return(comparison.levels.index(level) + 1) }}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error("identity_level_code: '" ~ field ~ "' has no level '" ~ level ~ "'") }}
{%- endmacro %}

{#- SQL: the level code of one field, as compared (without the organisation rule), from the
    columns of identity_aligned_columns. -#}
{% macro identity_level_case(field) -%}
    {%- set close = var('identity_close_similarity') -%}
    {%- set similar = var('identity_similar_similarity') -%}
    {%- set levels = {} -%}
    {%- for comparison in identity_comparisons() -%}
        {%- set codes = {} -%}
        {%- for level in comparison.levels -%}{%- do codes.update({level: loop.index}) -%}{%- endfor -%}
        {%- do levels.update({comparison.field: codes}) -%}
    {%- endfor -%}
    {%- set l = levels[field] -%}
    {%- set a = 'a_' ~ field -%}
    {%- set b = 'b_' ~ field -%}
    case
        when {{ a }} is null or {{ b }} is null then 0
        when {{ a }} = {{ b }} then {{ l.exact }}
    {%- if field == 'first_name' %}
        when first_name_similarity >= {{ close }} then {{ l.close }}
        when is_nickname then {{ l.nickname }}
        when first_name_similarity >= {{ similar }} then {{ l.similar }}
        when {{ identity_short_name_slip(a, b) }} then {{ l.similar }}
        when (length({{ a }}) = 1 or length({{ b }}) = 1) and left({{ a }}, 1) = left({{ b }}, 1) then {{ l.initial }}
    {%- elif field in ('last_name', 'city') %}
        when {{ field }}_similarity >= {{ close }} then {{ l.close }}
        {%- if 'similar' in l %}
        when {{ field }}_similarity >= {{ similar }} then {{ l.similar }}
        when {{ identity_short_name_slip(a, b) }} then {{ l.similar }}
        {%- endif %}
    {%- elif field == 'birth_date' %}
        when birth_date_edits <= 1
            or {{ birth_date_transposed() }} then {{ l.close }}
        when a_birth_year = b_birth_year then {{ l.same_year }}
    {%- elif field == 'postal_code' %}
        when postal_code_edits <= 1 then {{ l.close }}
    {%- elif field == 'address' %}
        when coalesce(a_house_number, '') = coalesce(b_house_number, '') and a_street = b_street then {{ l.exact }}
        when a_house_number = b_house_number and street_similarity >= {{ close }}
            then {{ l.close }}
        when a_street = b_street and house_number_edits <= 1
            then {{ l.close }}
        when address_similarity >= {{ similar }} then {{ l.similar }}
    {%- endif %}
        else {{ l.different }}
    end
{%- endmacro %}

{#- SQL: two short names one typing slip apart: a letter dropped or doubled, or two neighbours
    swapped (ivy and iy, mia and mai), the shorter of two or three letters.
    Jaro-Winkler calls these different (0.61, 0.56: below identity_similar_similarity), and a
    different first name is what tells relatives at one mailbox apart, so such a typo kept one
    person's records apart; from four letters on Jaro-Winkler sees a slip as similar itself.
    A changed letter does not count: tom and tim, ben and ken, ava and eva are other names, and
    twins or colleagues must stay apart. Plain string functions, so every engine agrees and it
    costs next to nothing. -#}
{% macro identity_short_name_slip(a, b) -%}
    {%- set dropped = [] -%}
    {%- for longer, shorter in [(a, b), (b, a)] -%}
        {%- set cuts = [] -%}
        {%- for i in range(1, 5) -%}
            {%- do cuts.append('left(' ~ longer ~ ', ' ~ (i - 1) ~ ') || substr(' ~ longer ~ ', ' ~ (i + 1) ~ ') = ' ~ shorter) -%}
        {%- endfor -%}
        {%- do dropped.append('(length(' ~ longer ~ ') = length(' ~ shorter ~ ') + 1 and (' ~ cuts | join(' or ') ~ '))') -%}
    {%- endfor -%}
    {%- set swaps = [] -%}
    {%- for i in range(1, 3) -%}
        {%- do swaps.append('(left(' ~ a ~ ', ' ~ (i - 1) ~ ') = left(' ~ b ~ ', ' ~ (i - 1) ~ ')'
            ~ ' and substr(' ~ a ~ ', ' ~ i ~ ', 1) = substr(' ~ b ~ ', ' ~ (i + 1) ~ ', 1)'
            ~ ' and substr(' ~ a ~ ', ' ~ (i + 1) ~ ', 1) = substr(' ~ b ~ ', ' ~ i ~ ', 1)'
            ~ ' and substr(' ~ a ~ ', ' ~ (i + 2) ~ ') = substr(' ~ b ~ ', ' ~ (i + 2) ~ '))') -%}
    {%- endfor -%}
    (least(length({{ a }}), length({{ b }})) between 2 and 3 and (
        {{ dropped | join(' or ') }}
        or (length({{ a }}) = length({{ b }}) and ({{ swaps | join(' or ') }}))
    ))
{%- endmacro %}

{#-
    SQL: true when two aligned records are clearly different people, however much else they
    share (the model alone would merge them: people who live or work together share an
    address, a surname, a mailbox or a switchboard, and a father and son share a name and a
    postal code):
    - two contacts of organisations (B2B, B2G) with a different first or last name: colleagues;
    - the same email or phone but different first names and birth dates that do not agree
      (a household's mailbox or landline: the identifier is shared, the person is not);
    - a different email or phone (both given) and either different first names or birth
      dates `identity_conflicting_birth_date_edits` or more edits apart (a day and month swap
      is not a difference);
    - email, phone and street address all given on both and all different in the same postal
      code (a namesake next door; one person who moved has a new postal code too).
    Records without email and phone never conflict: their fields are weighed by the model alone.
    Reads an aligned pair's columns and its levels (identity_gamma_columns), in a select on top.
-#}
{% macro identity_conflict() -%}
    {%- set email_differs = 'coalesce(a_email <> b_email, false)' -%}
    {%- set phone_differs = 'coalesce(a_phone <> b_phone, false)' -%}
    (is_organisation_pair and (gamma_first_name = 1 or gamma_last_name = 1))
    or (
        (coalesce(a_email = b_email, false) or coalesce(a_phone = b_phone, false))
        and gamma_first_name = 1
        and gamma_birth_date < 3
    )
    or (
        ({{ email_differs }} or {{ phone_differs }})
        and (
            gamma_first_name = 1
            or coalesce(
                birth_date_edits >= {{ var('identity_conflicting_birth_date_edits') }}
                and not {{ birth_date_transposed() }},
                false
            )
        )
    )
    or (
        {{ email_differs }} and {{ phone_differs }} and gamma_address = {{ identity_level_code('address', 'different') }}
        and gamma_postal_code > {{ identity_level_code('postal_code', 'different') }}
    )
{%- endmacro %}

{#- SQL: the level codes of every field, as columns gamma_<field>. -#}
{% macro identity_gamma_columns() -%}
    {%- for comparison in identity_comparisons() %}
    {{ identity_level(comparison.field) }} as gamma_{{ comparison.field }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- SQL: the columns of identity_gamma_columns, by name. -#}
{% macro identity_gamma_names() -%}
    {%- for comparison in identity_comparisons() %}
    gamma_{{ comparison.field }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- SQL: the probability of level code `gamma` of `field` from one-row columns <prefix>_<field>_<code>. -#}
{% macro identity_probability(field, gamma, prefix) -%}
    {%- for comparison in identity_comparisons() if comparison.field == field -%}
    case {{ gamma }}
        {%- for level in comparison.levels %} when {{ loop.index }} then {{ prefix }}_{{ field }}_{{ loop.index }}{% endfor %}
        else 1.0
    end
    {%- endfor -%}
{%- endmacro %}

{#- SQL: the sum of a double expression, the same to the last bit however the engine splits
    and orders the rows (a parallel sum of doubles is not: EM would learn parameters that differ
    in the last bit from build to build). Each term is rounded to 18 decimals and summed exactly. -#}
{% macro exact_sum(expression) -%}
    cast(sum(cast({{ expression }} as decimal(38, 18))) as {{ type_double() }})
{%- endmacro %}

{#- The starting m of level `code` of `levels`: doubling with each level of agreement, so EM
    starts from "matches mostly agree" (2^(code-1) / (2^levels - 1)). -#}
{% macro identity_initial_m(code, levels) -%}
    cast({{ '%.10f' | format((2 ** (code - 1)) / (2 ** levels - 1)) }} as {{ type_double() }})
{%- endmacro %}

{#- SQL: the probability of a pattern's levels (gamma_<field> columns of `patterns`) when each
    field is independent, from a one-row set of <prefix>_<field>_<code> (m: of a match; u: of
    a non-match): the product over the fields. -#}
{% macro identity_likelihood(prefix, patterns) -%}
    {%- set factors = [] -%}
    {%- for c in identity_comparisons() -%}
        {%- do factors.append(identity_probability(c.field, patterns ~ '.gamma_' ~ c.field, prefix)) -%}
    {%- endfor -%}
    {{ factors | join(' * ') }}
{%- endmacro %}

{#- SQL: the rows 1 .. `count` of one integer column `column` (the chain guard's cuts, u's offsets). -#}
{% macro identity_numbers(column, count) -%}
    {%- for number in range(1, count + 1) %}
    select {{ number }} as {{ column }}{{ ' union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- SQL: the whole number `number_sql` (0 to 16^digits - 1) as `digits` lower-case hex digits,
    to compare with the start of an md5 hash as text. -#}
{% macro hex_digits(number_sql, digits) -%}
    {%- set parts = [] -%}
    {%- for place in range(digits - 1, -1, -1) -%}
        {%- do parts.append("substr('0123456789abcdef', cast(mod(cast(floor((" ~ number_sql ~ ") / " ~ 16 ** place
            ~ ".0) as bigint), 16) as integer) + 1, 1)") -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- SQL: a merged pair's weight for the chain guard and for a record's strongest link: a
    reviewed must_link outweighs any model match, so it is never cut. -#}
{% macro identity_link_weight(decision='decision', match_weight='match_weight') -%}
    case when {{ decision }} = 'must_link' then 1e9 else {{ match_weight }} end
{%- endmacro %}

{#-
    CTEs <name>_0 .. <name>_<passes>: connected components of the pairs in `edges`
    (record_id_a, record_id_b) over the records in `nodes` (record_id) by label propagation:
    each record starts with its own id as label and takes the smallest label among itself and
    its neighbours, once per pass. <name>_<passes> holds record_id and label. With `within`
    (a column of nodes and edges), one graph per value of it, all propagated together:
    <name>_<passes> then holds that column too.
-#}
{% macro label_propagation(name, nodes, edges, passes, within=none) -%}
{%- set key = within ~ ', ' if within else '' -%}
{{ name }}_neighbours as (
    select
        {{ key }}record_id_a as record_id,
        record_id_b as neighbour_id
    from {{ edges }}
    union all
    select
        {{ key }}record_id_b as record_id,
        record_id_a as neighbour_id
    from {{ edges }}
    union all
    select
        {{ key }}record_id,
        record_id as neighbour_id
    from {{ nodes }}
),

{{ name }}_0 as (
    select
        {{ key }}record_id,
        record_id as label
    from {{ nodes }}
),
{%- for pass in range(1, passes + 1) %}

{{ name }}_{{ pass }} as (
    select
        {{ 'neighbours.' ~ within ~ ',' if within }}
        neighbours.record_id,
        min(previous.label) as label
    from {{ name }}_neighbours as neighbours
    inner join {{ name }}_{{ pass - 1 }} as previous
        on {{ 'neighbours.' ~ within ~ ' = previous.' ~ within ~ ' and ' if within }}neighbours.neighbour_id = previous.record_id
    group by {{ 'neighbours.' ~ within ~ ', ' if within }}neighbours.record_id
){{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- SQL: what a field's level means, in words, for the published parameters. -#}
{% macro identity_level_description(field_sql, level_sql) -%}
    {%- set close = var('identity_close_similarity') -%}
    {%- set similar = var('identity_similar_similarity') -%}
    {%- set texts = {
        'missing': 'one of the two records has no value: says nothing either way',
        'postal_code.missing': 'one of the two records has no value, or the pair moved (weighed once, on the '
            ~ 'address): says nothing either way',
        'city.missing': 'one of the two records has no value, or the pair moved (weighed once, on the '
            ~ 'address): says nothing either way',
        'different': 'both have a value and they differ',
        'exact': 'the same value (after standardisation: case, accents, punctuation, abbreviations)',
        'first_name.close': 'spelling at least ' ~ close ~ ' similar (Jaro-Winkler): a typo',
        'first_name.nickname': 'one is a nickname of the other (seed name_aliases: Bill, William)',
        'first_name.similar': 'spelling at least ' ~ similar ~ ' similar, or a short name one slip apart '
            ~ '(a letter dropped or doubled, two swapped: ivy, iy)',
        'first_name.initial': 'one is only an initial, and it is the first letter of the other',
        'last_name.close': 'spelling at least ' ~ close ~ ' similar (Jaro-Winkler): a typo',
        'last_name.similar': 'spelling at least ' ~ similar ~ ' similar, or a short name one slip apart '
            ~ '(a letter dropped or doubled, two swapped: ng, nag)',
        'birth_date.close': 'one digit apart, two digits swapped, or day and month transposed',
        'birth_date.same_year': 'the same year, otherwise different',
        'postal_code.close': 'one character apart (a typo or two swapped digits)',
        'address.moved': 'street address, postal code and city all differ (those given): a move, counted '
            ~ 'once, here (the postal code and city then count as missing)',
        'address.different': 'the street addresses differ, but not as a move: the postal code or the city '
            ~ 'agrees, or neither is given',
        'address.close': 'same house number and street at least ' ~ close
            ~ ' similar, or same street and house number one digit apart',
        'address.similar': 'the whole address at least ' ~ similar ~ ' similar',
        'city.close': 'spelling at least ' ~ close ~ ' similar (Jaro-Winkler): a typo',
        'prior.match_share_of_record_pairs': 'not a level: the share of all comparable record pairs that are '
            ~ 'one person, learned by EM; its weight starts every pair',
    } -%}
    case
        {%- for key, text in texts.items() if '.' in key %}
        when {{ field_sql }} = '{{ key.split('.')[0] }}' and {{ level_sql }} = '{{ key.split('.')[1] }}'
            then '{{ text }}'
        {%- endfor %}
        {%- for key, text in texts.items() if '.' not in key %}
        when {{ level_sql }} = '{{ key }}' then '{{ text }}'
        {%- endfor %}
    end
{%- endmacro %}

{#- `materialized ` before a CTE's body where the engine would otherwise inline it badly:
    - PostgreSQL inlines a CTE read once and, in a cross join with a one-row aggregate, may
      compute that aggregate again for every row: each EM step reads the one before, so that
      would grow exponentially. Likewise a pair's similarities (identity_pair_columns): an
      inlined select's columns are copied into every expression that reads them, and each copy
      calls the PL/pgSQL function again.
    - DuckDB computes a one-row side once, but its filter pushdown takes seconds over the chain
      of EM steps when they are inlined (4 s of the 4.3 s of the m probabilities on 3,000
      records); `one_row` steps are materialized there too (0.5 s).
    Spark has no materialized CTEs; it computes a one-row side once. -#}
{% macro identity_step_cte(one_row=false) -%}
    {{ return(adapter.dispatch('identity_step_cte', 'crm_warehouse')(one_row)) }}
{%- endmacro %}

{% macro default__identity_step_cte(one_row) %}{% endmacro %}

{% macro duckdb__identity_step_cte(one_row) %}{{ 'materialized ' if one_row }}{% endmacro %}

{% macro postgres__identity_step_cte(one_row) %}materialized {% endmacro %}

{#- `not materialized ` before an import CTE read many times, where the engine would otherwise
    copy it whole: DuckDB materializes a CTE read more than once, and a copy of every column of
    10M customer records (the candidate pairs read them three times per blocking rule and twice
    to compare, each time for a few columns) took minutes and spilled gigabytes. PostgreSQL
    keeps its own choice (it materializes them; not measured at that size); Spark never copies. -#}
{% macro identity_inline_cte() -%}
    {{ return(adapter.dispatch('identity_inline_cte', 'crm_warehouse')()) }}
{%- endmacro %}

{% macro default__identity_inline_cte() %}{% endmacro %}

{% macro duckdb__identity_inline_cte() %}not materialized {% endmacro %}
