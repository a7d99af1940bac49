"""The pairs EM trains on (int_customer_identity__training_pairs): every block of a training rule
trains, a big one through a sample of its records, and whole blocks are sampled down to about
identity_training_sample_pairs drawn pairs. Checked against the blocks counted from the records."""

from __future__ import annotations

import math

import yaml

from conftest import REPO, Warehouse

PAIRS = "intermediate.int_customer_identity__training_pairs"
RECORDS = "intermediate.int_customer_identity__records"
SAMPLE = 100  # drawn pairs asked for, below what the small data set's rules could draw


def training_rules() -> dict[str, list[str]]:
    """Each training rule's blocking keys, from dbt_project.yml."""
    project = yaml.safe_load((REPO / "dbt_project.yml").read_text())["vars"]
    keys = {rule["name"]: rule["keys"] for rule in project["identity_blocking_rules"]}
    return {name: keys[name] for name in project["identity_training_rules"]}


def build(warehouse: Warehouse, **vars: int) -> None:
    result = warehouse.dbt("run", "--select", "+int_customer_identity__training_pairs", vars=vars)
    assert result.returncode == 0, result.stdout[-3000:]


def records_per_block(warehouse: Warehouse, rule: str, keys: list[str]) -> list[tuple[int, int]]:
    """Per block of the rule: its records, and how many of them are in the rule's drawn pairs."""
    columns = ", ".join(keys)
    return warehouse.query(
        f"""
        with used as (
            select record_id_a as record_id from {PAIRS} where training_rule = ?
            union
            select record_id_b from {PAIRS} where training_rule = ?
        )
        select count(*), count(used.record_id)
        from {RECORDS} as r
        left join used on r.record_id = used.record_id
        where {" and ".join(f"r.{k} is not null" for k in keys)}
        group by {columns}
        """,
        [rule, rule],
    )


def test_a_big_block_trains_through_a_sample_of_its_records(loaded_warehouse: Warehouse) -> None:
    assert loaded_warehouse.dbt("seed").returncode == 0
    build(loaded_warehouse, identity_max_block_records=3, identity_training_sample_pairs=1000000)
    for rule, keys in training_rules().items():
        blocks = records_per_block(loaded_warehouse, rule, keys)
        assert max(used for _, used in blocks) <= 3, rule
        big = [used for size, used in blocks if size > 3]
        assert big, f"{rule}: the data has no block of more than 3 records to sample"
        # three records of one type among more than three give a pair; only a block of mixed
        # customer types can give none
        assert sum(1 for used in big if used >= 2) >= 0.9 * len(big), rule


def drawn_pairs(warehouse: Warehouse) -> dict[str, int]:
    return dict(warehouse.query(f"select training_rule, count(*) from {PAIRS} group by training_rule"))


def test_whole_blocks_are_sampled_down_to_about_the_asked_pairs(loaded_warehouse: Warehouse) -> None:
    assert loaded_warehouse.dbt("seed").returncode == 0
    build(loaded_warehouse, identity_training_sample_pairs=1000000)
    every = drawn_pairs(loaded_warehouse)
    build(loaded_warehouse, identity_training_sample_pairs=SAMPLE)
    some = drawn_pairs(loaded_warehouse)
    sampled = 0
    for rule, keys in training_rules().items():
        blocks = records_per_block(loaded_warehouse, rule, keys)
        possible = sum(math.comb(min(size, 50), 2) for size, _ in blocks)
        if possible <= SAMPLE:
            assert some[rule] == every[rule], rule
            continue
        sampled += 1
        largest = max(math.comb(min(size, 50), 2) for size, _ in blocks)
        stride = math.ceil(possible / SAMPLE)
        # every stride-th block: about a stride-th of the pairs drawn from every block, give or
        # take a block
        assert 0.3 * every[rule] / stride <= some[rule] <= every[rule] / stride + largest, (rule, every, some)
    assert sampled, f"no training rule has more than {SAMPLE} possible pairs here: the test samples nothing"
