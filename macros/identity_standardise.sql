{#-
    Standardisation of the fields identity resolution compares, in SQL every engine runs
    (translate, replace and regular expressions), so DuckDB, PostgreSQL and Spark compare
    exactly the same strings.
-#}

{#-
    Text folded for comparison, never for display: accents folded (a name typed decomposed,
    NFD, equals its precomposed NFC form; García = Garcia, Müller = Muller, Søren = Soren), then
    lower case (after folding, so every engine lower-cases the same ASCII letters); ß, æ and œ
    written out; apostrophes and dots dropped (O'Brien = OBrien, St. = St); every other run of
    non-alphanumerics one space (Mary-Ann = Mary Ann); trimmed; blank becomes null.
-#}
{% macro fold_for_matching(expr) -%}
    {#- the apostrophe as chr(39): Spark reads '' inside a literal as two literals, not a quote -#}
    {%- set letters = "replace(replace(replace(lower(" ~ fold_accents(expr) ~ "), 'ß', 'ss'), 'æ', 'ae'), 'œ', 'oe')" -%}
    nullif(trim({{ regexp_replace_all(
        "replace(replace(replace(" ~ letters ~ ", chr(39), ''), '’', ''), '.', '')",
        '[^a-z0-9]+',
        ' '
    ) }}), '')
{%- endmacro %}

{% macro fold_accents(col) -%}
    {{ return(adapter.dispatch('fold_accents', 'crm_warehouse')(col)) }}
{%- endmacro %}

{#-
    DuckDB's translate is slow with a long letter list (75 s for a million names); its
    strip_accents folds every letter of the list alike but 28 that Unicode does not decompose
    (Ø, Đ, Ł, ı, ...), which one short translate maps first: the same result on every letter of
    the list, precomposed or decomposed (a test compares them), at a thousandth of the time.
-#}
{% macro duckdb__fold_accents(col) -%}
    strip_accents(translate({{ col }}, 'ÐØðøĐđĦħıĿŀŁłŦŧƀƗƚƵƶȽɃɈɉɌɍɎɏ', 'DOdoDdHhiLlLlTtbIlZzLBJjRrYy'))
{%- endmacro %}

{#-
    `col` with accented Latin letters (U+00C0 to U+024F, U+1E00 to U+1EFF) replaced by their
    base letter and the combining marks (U+0300 to U+036F) deleted: one translate, which every
    engine runs alike (a character with no partner in the third argument is deleted), so text
    typed precomposed (NFC) or decomposed (NFD) folds to the same letters.
-#}
{% macro default__fold_accents(col) -%}
{%- set letters_from = "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľĿŀŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžƀƗƚƠơƯưƵƶǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳȽɃɈɉɌɍɎɏḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ" -%}
{%- set letters_to   = "AAAAAACEEEEIIIIDNOOOOOOUUUUYaaaaaaceeeeiiiidnoooooouuuuyyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkLlLlLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzbIlOoUuZzAaIiOoUuUuUuUuUuAaAaGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhAaEeOoOoOoOoYyLBJjRrYyAaBbBbBbCcDdDdDdDdDdEeEeEeEeEeFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpRrRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZzhtwyAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOoOoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYy" -%}
{%- set marks = "\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a\u030b\u030c\u030d\u030e\u030f\u0310\u0311\u0312\u0313\u0314\u0315\u0316\u0317\u0318\u0319\u031a\u031b\u031c\u031d\u031e\u031f\u0320\u0321\u0322\u0323\u0324\u0325\u0326\u0327\u0328\u0329\u032a\u032b\u032c\u032d\u032e\u032f\u0330\u0331\u0332\u0333\u0334\u0335\u0336\u0337\u0338\u0339\u033a\u033b\u033c\u033d\u033e\u033f\u0340\u0341\u0342\u0343\u0344\u0345\u0346\u0347\u0348\u0349\u034a\u034b\u034c\u034d\u034e\u034f\u0350\u0351\u0352\u0353\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b\u035c\u035d\u035e\u035f\u0360\u0361\u0362\u0363\u0364\u0365\u0366\u0367\u0368\u0369\u036a\u036b\u036c\u036d\u036e\u036f" -%}
translate({{ col }}, '{{ letters_from }}{{ marks }}', '{{ letters_to }}')
{%- endmacro %}


{#-
    A folded address with the common abbreviations of street kinds and directions written out
    (`identity_address_abbreviations`), so `12 Oak St.` equals `12 oak street`.
-#}
{% macro canonical_address(expr) -%}
    {%- set folded = "' ' || " ~ fold_for_matching(expr) ~ " || ' '" -%}
    {%- set ns = namespace(sql=folded) -%}
    {%- for short, long in var('identity_address_abbreviations').items() | sort -%}
        {%- set ns.sql = "replace(" ~ ns.sql ~ ", ' " ~ short ~ " ', ' " ~ long ~ " ')" -%}
    {%- endfor -%}
    nullif(trim({{ ns.sql }}), '')
{%- endmacro %}

{#- Unicode NFC of a text kept for display, so the same name typed NFD and NFC is one value. -#}
{% macro unicode_nfc(expr) -%}
    {{ return(adapter.dispatch('unicode_nfc', 'crm_warehouse')(expr)) }}
{%- endmacro %}

{% macro default__unicode_nfc(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro duckdb__unicode_nfc(expr) -%}
    nfc_normalize({{ expr }})
{%- endmacro %}

{% macro postgres__unicode_nfc(expr) -%}
    normalize({{ expr }}, nfc)
{%- endmacro %}

{#- Spark has no NFC function of its own; the ICU4J it ships has one (reflect fails on null). -#}
{% macro spark__unicode_nfc(expr) -%}
    case when {{ expr }} is not null then reflect('com.ibm.icu.text.Normalizer', 'compose', {{ expr }}, false) end
{%- endmacro %}
