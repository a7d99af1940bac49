"""The identity model on hand-made cases: pairs a person would merge or keep apart, reviewed
decisions, hand-worked match weights, and EM recovering known m and u from simulated pairs."""

from __future__ import annotations

import math
import random
import re
import unicodedata
from pathlib import Path

import duckdb
import pytest
import yaml

from conftest import REPO, Warehouse, generate, load

MODELS = ["--select", "+customer_identity_map", "identity_model_parameters", "identity_review_queue"]
RAW_COLUMNS = (
    "customer_id source_system first_name last_name company_name email phone birth_date customer_type "
    "address_line city postal_code country acquisition_channel created_at updated_at"
).split()

# (id, first name, last name, email, phone, birth date, address, city, postal code); the names are
# not in the generator's vocabulary, so no generated record comes near them
CASES = [
    (
        "nfc",
        "José",
        "García",
        "jose.garcia@example.org",
        "5550101010",
        "1980-03-04",
        "12 Alder Way",
        "Greenhaven",
        "40001",
    ),
    (
        "nfd",
        unicodedata.normalize("NFD", "José"),
        unicodedata.normalize("NFD", "García"),
        "jose.garcia@example.org",
        "5550101010",
        "1980-03-04",
        "12 Alder Way",
        "Greenhaven",
        "40001",
    ),
    ("straight", "Martha", "Quinlan", None, None, "1975-06-07", "88 Birchfield Road", "Lowmoor", "40002"),
    ("swapped", "Quinlan", "Martha", None, None, "1975-06-07", "88 Birchfield Road", "Lowmoor", "40002"),
    ("postcode", "Desmond", "Okafor", None, None, "1969-11-23", "7 Kestrel Close", "Lowmoor", "40003"),
    ("postcode_typo", "Desmond", "Okafor", None, None, "1969-11-23", "7 Kestrel Close", "Lowmoor", "40030"),
    ("name", "William", "Thistlewood", None, None, "1958-01-30", "3 Heron Lane", "Greenhaven", "40004"),
    ("nickname", "Bill", "Thistlewood", None, None, "1958-01-30", "3 Heron Lane", "Greenhaven", "40004"),
    (
        "moved_from",
        "Rosalind",
        "Featherby",
        "rosalind.f@example.org",
        "5550404040",
        "1971-04-18",
        "6 Plover Street",
        "Lowmoor",
        "40009",
    ),
    (
        "moved_to",
        "Rosalind",
        "Featherby",
        "r.featherby@example.net",
        None,
        "1971-04-18",
        "210 Osier Avenue",
        "Greenhaven",
        "40210",
    ),
    (
        "father",
        "Jonah",
        "Pemberton",
        "jonah.p@example.org",
        "5550202020",
        "1950-02-02",
        "1 Mill Street",
        "Greenhaven",
        "40005",
    ),
    (
        "son",
        "Jonah",
        "Pemberton",
        "jpemberton82@example.net",
        "5550303030",
        "1982-09-19",
        "99 Quarry Road",
        "Greenhaven",
        "40005",
    ),
    ("cannot_a", "Ingrid", "Vasquez", None, None, "1990-05-05", "5 Elm Court", "Lowmoor", "40006"),
    ("cannot_b", "Ingrid", "Vasquez", None, None, "1990-05-05", "5 Elm Court", "Lowmoor", "40006"),
    ("must_a", "Oswald", "Brankley", None, None, "1961-12-01", "40 Sedge Row", "Lowmoor", "40007"),
    ("must_b", "Penelope", "Hartigan", None, None, "1979-08-14", "2 Linnet Walk", "Greenhaven", "40008"),
]
DECISIONS = [("cannot_a", "cannot_b", "cannot_link"), ("must_a", "must_b", "must_link")]


def case_customers(path: Path) -> None:
    """The cases as a raw customers file (source system `casework`)."""
    con = duckdb.connect()
    rows = [
        (
            f"c-{case}",
            "casework",
            first,
            last,
            None,
            email,
            phone,
            birth,
            "B2C",
            address,
            city,
            postal,
            "US",
            "web",
            "2024-01-01 09:00:00",
            "2024-01-01 09:00:00",
        )
        for case, first, last, email, phone, birth, address, city, postal in CASES
    ]
    con.execute(f"create table customers ({', '.join(f'{c} varchar' for c in RAW_COLUMNS)})")
    con.executemany(f"insert into customers values ({', '.join('?' * len(RAW_COLUMNS))})", rows)
    con.execute(
        "copy (select * exclude (birth_date, created_at, updated_at), birth_date::date as birth_date, "
        "created_at::timestamp as created_at, updated_at::timestamp as updated_at from customers) "
        f"to '{path}' (format parquet)"
    )
    con.close()


@pytest.fixture(scope="module")
def casework(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """4,000 generated customer records (so the model has data to learn from) plus the cases,
    with the reviewed decisions in the seed; only the identity models are built."""
    work = tmp_path_factory.mktemp("casework")
    data = generate(work / "raw", 4000, 4000, 11)
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(data.path, warehouse.path)
    cases = work / "cases"
    cases.mkdir()
    case_customers(cases / "customers.parquet")
    load(cases, warehouse.path, append=True)
    assert warehouse.dbt("seed").returncode == 0
    warehouse.execute(
        *(
            f"insert into raw.identity_decisions values ('casework', 'c-{a}', 'casework', 'c-{b}', '{decision}', "
            "'steward', timestamp '2024-02-01 10:00:00', 'test case')"
            for a, b, decision in DECISIONS
        )
    )
    result = warehouse.dbt("run", *MODELS)
    assert result.returncode == 0, result.stdout[-3000:]
    return warehouse


def keys(warehouse: Warehouse) -> dict[str, str]:
    return dict(
        warehouse.query(
            "select substr(customer_id, 3), customer_key from marts.customer_identity_map "
            "where source_system = 'casework'"
        )
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("nfc", "nfd"),
        ("straight", "swapped"),
        ("postcode", "postcode_typo"),
        ("name", "nickname"),
        ("moved_from", "moved_to"),
        ("must_a", "must_b"),
    ],
)
def test_records_of_one_person_merge(casework: Warehouse, a: str, b: str) -> None:
    resolved = keys(casework)
    assert resolved[a] == resolved[b]


@pytest.mark.parametrize(("a", "b"), [("father", "son"), ("cannot_a", "cannot_b")])
def test_different_people_stay_apart(casework: Warehouse, a: str, b: str) -> None:
    """A father and son share a name and a postal code; a steward said the twins are two people."""
    resolved = keys(casework)
    assert resolved[a] != resolved[b]


def test_reviewed_decisions_are_recorded_as_such(casework: Warehouse) -> None:
    decisions = dict(
        casework.query(
            "select record_id_a || '~' || record_id_b, decision from intermediate.int_customer_identity__match_pairs "
            "where record_id_a like 'casework:%' and record_id_b like 'casework:%'"
        )
    )
    assert decisions["casework:c-cannot_a~casework:c-cannot_b"] == "cannot_link"
    assert decisions["casework:c-must_a~casework:c-must_b"] == "must_link"
    assert decisions["casework:c-name~casework:c-nickname"] == "match"
    rules = dict(
        casework.query(
            "select customer_id, match_rule from marts.customer_identity_map "
            "where customer_id in ('c-must_a', 'c-must_b')"
        )
    )
    assert rules == {"c-must_a": "must_link", "c-must_b": "must_link"}


def test_published_weights_are_log2_of_m_over_u(casework: Warehouse) -> None:
    rows = casework.query(
        "select field_name, level_name, m_probability, u_probability, bayes_factor, match_weight "
        "from marts.identity_model_parameters"
    )
    assert len(rows) > 30
    for field, level, m, u, factor, weight in rows:
        if level == "missing":
            assert (m, u, factor, weight) == (None, None, 1.0, 0.0)
            continue
        assert 0 < m < 1 and 0 < u < 1, (field, level)
        assert factor == pytest.approx(m / u, rel=1e-9)
        assert weight == pytest.approx(math.log2(m / u), abs=1e-9)


EXACT = dict.fromkeys(["last_name", "birth_date", "postal_code", "address", "city"], "exact")
NO_CONTACT = {"email": "missing", "phone": "missing"}
# a move with a new email: one disagreement of the location (address `moved`), not three
MOVED = {"address": "moved", "postal_code": "missing", "city": "missing", "email": "different", "phone": "missing"}


@pytest.mark.parametrize(
    ("a", "b", "levels"),
    [
        ("name", "nickname", {"first_name": "nickname", **EXACT, **NO_CONTACT}),
        ("moved_from", "moved_to", {"first_name": "exact", **EXACT, **MOVED}),
    ],
)
def test_a_pairs_match_weight_is_worked_out_by_hand(casework: Warehouse, a: str, b: str, levels: dict) -> None:
    weight = dict(
        ((f, level), w)
        for f, level, w in casework.query(
            "select field_name, level_name, match_weight from marts.identity_model_parameters"
        )
    )
    by_hand = weight[("prior", "match_share_of_record_pairs")] + sum(weight[item] for item in levels.items())
    actual = casework.scalar(
        "select match_weight from intermediate.int_customer_identity__match_pairs "
        f"where record_id_a = 'casework:c-{a}' and record_id_b = 'casework:c-{b}'"
    )
    assert actual == pytest.approx(by_hand, abs=1e-9)
    assert by_hand > 0, "the same person: a match"


# Simulated comparison vectors: each field's level drawn independently, from m for a match and
# from u for a non-match (level 1 = different or moved, last = exact; 0 = missing, 10% of the time).
TRUE_M = {
    "first_name": [0.02, 0.03, 0.05, 0.05, 0.15, 0.70],
    "last_name": [0.03, 0.04, 0.13, 0.80],
    "birth_date": [0.04, 0.06, 0.15, 0.75],
    "postal_code": [0.10, 0.10, 0.80],
    "address": [0.10, 0.05, 0.05, 0.10, 0.70],
    "city": [0.10, 0.05, 0.85],
    "email": [0.25, 0.75],
    "phone": [0.30, 0.70],
}
TRUE_U = {
    "first_name": [0.95, 0.01, 0.02, 0.002, 0.008, 0.01],
    "last_name": [0.96, 0.02, 0.01, 0.01],
    "birth_date": [0.90, 0.08, 0.015, 0.005],
    "postal_code": [0.97, 0.02, 0.01],
    "address": [0.85, 0.10, 0.04, 0.007, 0.003],
    "city": [0.80, 0.05, 0.15],
    "email": [0.999, 0.001],
    "phone": [0.998, 0.002],
}


def simulated_pairs(count: int, match_share: float, seed: int) -> list[tuple]:
    draw = random.Random(seed)
    rows = []
    for i in range(count):
        probabilities = TRUE_M if draw.random() < match_share else TRUE_U
        levels = [
            0 if draw.random() < 0.1 else draw.choices(range(1, len(p) + 1), weights=p)[0]
            for p in probabilities.values()
        ]
        rows.append((f"s:{i:06d}a", f"s:{i:06d}b", *levels))
    return rows


def plant_simulated_pairs(con: duckdb.DuckDBPyConnection, pairs: list[tuple], folder: Path) -> None:
    """The simulated pairs as the candidate pairs (found by every rule) and as every training
    rule's pairs, none conflicting (through a CSV: a row-by-row insert takes seconds)."""
    csv = folder / "simulated_pairs.csv"
    csv.write_text("".join(",".join(map(str, pair)) + "\n" for pair in pairs))
    gammas = ", ".join(f"cast(gamma_{field} as integer) as gamma_{field}" for field in TRUE_M)
    planted = f"record_id_a, record_id_b, {gammas}, false as is_conflicting"
    names = ["record_id_a", "record_id_b", *(f"gamma_{field}" for field in TRUE_M)]
    source = f"from read_csv('{csv}', header = false, all_varchar = true, names = {names})"
    flags = con.execute(
        "select column_name from information_schema.columns where table_name = ? and column_name like 'is_found_by_%'",
        ["int_customer_identity__candidate_pairs"],
    ).fetchall()
    found = "".join(f", true as {flag}" for (flag,) in flags)
    candidates = f"select {planted}{found} {source}"
    con.execute(f"create or replace table intermediate.int_customer_identity__candidate_pairs as {candidates}")
    rules = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]["identity_training_rules"]
    training = " union all ".join(f"select '{rule}' as training_rule, {planted} {source}" for rule in rules)
    con.execute(f"create or replace table intermediate.int_customer_identity__training_pairs as {training}")


def test_em_recovers_known_m_from_simulated_pairs(casework: Warehouse, tmp_path: Path) -> None:
    """u held at its true values, 20,000 simulated pairs (30% matches) as the candidate pairs and
    as every training rule's pairs: each learned m is within 0.03 of the m the pairs were drawn
    from, and the prior within 10% of those 6,000 matches' share of all comparable record pairs."""
    warehouse = casework.copy_to(tmp_path / "simulated")
    con = duckdb.connect(str(warehouse.path))
    plant_simulated_pairs(con, simulated_pairs(20000, 0.3, 5), tmp_path)
    u_rows = ", ".join(f"('{f}', {code}, {u})" for f, us in TRUE_U.items() for code, u in enumerate(us, start=1))
    con.execute("delete from intermediate.int_customer_identity__u_probabilities")
    con.execute(
        f"insert into intermediate.int_customer_identity__u_probabilities (field_name, level_code, u_probability) "
        f"values {u_rows}"
    )
    con.close()
    result = warehouse.dbt(
        "run",
        "--select",
        "int_customer_identity__comparison_patterns",
        "int_customer_identity__u_row",
        "int_customer_identity__m_probabilities",
        "int_customer_identity__parameters",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    learned = {
        (f, code): (m, u)
        for f, code, m, u in warehouse.query(
            "select field_name, level_code, m_probability, u_probability "
            "from intermediate.int_customer_identity__parameters where level_code > 0 or field_name = 'prior'"
        )
    }
    for field, ms in TRUE_M.items():
        for code, m in enumerate(ms, start=1):
            assert learned[(field, code)][0] == pytest.approx(m, abs=0.03), (field, code)
            assert learned[(field, code)][1] == pytest.approx(TRUE_U[field][code - 1], abs=1e-9)
    # the prior: the 30% of the simulated pairs that match, among all the casework's pairs
    assert learned[("prior", 0)][0] == pytest.approx(0.3 * 20000 / comparable_pairs(warehouse), rel=0.1)


def comparable_pairs(warehouse: Warehouse) -> float:
    """The record pairs the prior is a share of: two records of one customer type (a record
    without a type pairs with any)."""
    counts = dict(
        warehouse.query("select customer_type, count(*) from intermediate.int_customer_identity__records group by 1")
    )
    records, untyped = sum(counts.values()), counts.get(None, 0)
    return sum(n * (n - 1) / 2 for n in counts.values()) + untyped * (records - untyped)


def test_the_readme_queries_for_data_stewards_run(casework: Warehouse) -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## How customer records are matched", 1)[1].split("\n## ", 1)[0]
    queries = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert len(queries) == 3
    for query in queries:
        assert casework.query(query) is not None
    review = casework.records(queries[2])
    assert review, "the cases and the generated records leave pairs to review"


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            {"identity_blocking_rules": [{"name": "by_shoe_size", "keys": ["shoe_size"]}]},
            "rule 'by_shoe_size' blocks on 'shoe_size', which is not a key",
        ),
        ({"identity_training_rules": ["nonsense"]}, "identity_training_rules: 'nonsense' is not one of"),
        ({"identity_training_rules": ["birth_date"]}, "no training rule learns 'birth_date'"),
        (
            {"identity_blocking_rules": [{"name": "by_city", "keys": ["city"], "max_block_records": 1}]},
            "rule 'by_city' has max_block_records 1; it must be a whole number >= 2",
        ),
    ],
    ids=["unknown-key", "unknown-training-rule", "a-field-never-learned", "a-block-cap-below-two"],
)
def test_a_misconfigured_model_fails_with_a_clear_message(casework: Warehouse, bad: dict, message: str) -> None:
    result = casework.dbt("compile", "--select", "int_customer_identity__comparison_patterns", vars=bad)
    output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
    assert result.returncode != 0
    assert message in output, output[-2000:]
