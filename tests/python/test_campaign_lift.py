"""A campaign's audience exported for a CRM or e-mail tool, frozen on launch, and its lift
measured: the measurement recovers a lift that plant_lift.py planted for the treated customers."""

from __future__ import annotations

import csv
import json
import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from conftest import NO_TESTS, DataSet, Warehouse, load, plain, script
from crm_warehouse import export_audience
from crm_warehouse.export_profiles import PROFILES
from test_campaigns import permissions

LAUNCH = "2026-06-30"
HISTORY_OF = "select * from marts.campaign_assignment_history where campaign_id = ? order by all"
CAMPAIGN = "growth"  # the campaign launched in the lift test (its audience is the larger one in the small data)


@pytest.fixture(scope="module")
def built(built_warehouse: tuple[Warehouse, subprocess.CompletedProcess]) -> Warehouse:
    warehouse, result = built_warehouse
    assert result.returncode == 0, result.stdout[-3000:]
    return warehouse


def publish(built: Warehouse, serving: Path, *options: str) -> Path:
    """The built warehouse published to `serving` (with options such as --include-pii)."""
    published = script(
        "scripts/publish.py",
        "--warehouse",
        str(built.path),
        "--serving-dir",
        str(serving),
        "--target-path",
        str(built.work / "target"),
        *options,
    )
    assert published.returncode == 0, published.stderr
    return serving


def test_export_writes_the_treatment_group_without_personal_data(built: Warehouse, tmp_path: Path) -> None:
    serving = publish(built, tmp_path / "serving")
    out = tmp_path / "audience.csv"
    exported = script("scripts/export_audience.py", "value_retention", "--out", str(out), "--serving-dir", str(serving))
    assert exported.returncode == 0, exported.stderr
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    treated = built.query(
        "select customer_key from marts.campaign_assignments where campaign_id = 'value_retention' "
        "and assignment_group = 'treatment' order by value_rank"
    )
    assert [r["customer_key"] for r in rows] == [key for (key,) in treated]
    assert not {"email", "phone", "first_name", "last_name", "address_line", "postal_code"} & set(rows[0])
    # nobody is written who opted out of the action's channel (the rule recomputed from the raw rows)
    channels = dict(built.query("select action, channel from raw.campaign_actions"))
    opted_out = {key for key, permission in permissions(built).items() if permission == "opted_out"}
    assert opted_out and not {(r["customer_key"], channels[r["action"]]) for r in rows} & opted_out
    assert "value_retention," in exported.stdout and "campaign_launches.csv" in exported.stdout

    # an e-mail tool's layout needs the emails, which this serving copy does not hold
    assert (
        export_audience.main(
            [
                "value_retention",
                "--profile",
                "mailchimp",
                "--out",
                str(tmp_path / "m.csv"),
                "--serving-dir",
                str(serving),
            ]
        )
        == 2
    )
    assert not (tmp_path / "m.csv").exists()
    check_profiles(built, tmp_path, channels, opted_out)

    unknown = script(
        "scripts/export_audience.py", "spring_sale", "--out", str(tmp_path / "x.csv"), "--serving-dir", str(serving)
    )
    assert unknown.returncode == 2
    assert "unknown campaign 'spring_sale'" in unknown.stderr and "growth, value_retention" in unknown.stderr
    assert not (tmp_path / "x.csv").exists()

    con = duckdb.connect(str(serving / "crm.duckdb"))
    con.execute("delete from marts.campaign_assignments where campaign_id = 'growth'")
    con.close()
    empty = script(
        "scripts/export_audience.py", "growth", "--out", str(tmp_path / "y.csv"), "--serving-dir", str(serving)
    )
    assert empty.returncode == 2
    assert "campaign 'growth' has no one to contact" in empty.stderr


# per profile: the columns holding the customer key and the action (mailchimp: Tags, "campaign,action")
PROFILE_KEYS = {
    "mailchimp": ("Customer Key", "Tags"),
    "hubspot": ("Customer Key", "CRM Action"),
    "braze": ("external_id", "crm_action"),
}


def check_profiles(built: Warehouse, tmp_path: Path, channels: dict, opted_out: set) -> None:
    """Each tool's layout from a serving copy published with personal data: its header, only the
    actions on channels the tool sends, an E.164 phone as it is, and nobody opted out."""
    serving = publish(built, tmp_path / "serving-pii", "--include-pii")
    treated = dict(
        built.query(
            "select customer_key, action from marts.campaign_assignments "
            "where campaign_id = 'value_retention' and assignment_group = 'treatment'"
        )
    )
    # an email is written only to a customer who may be e-mailed: valid, and not opted out
    with_email = {
        key
        for (key,) in built.query("select customer_key from marts.dim_customer where has_valid_email")
        if (key, "email") not in opted_out
    }
    for name, (key_column, action_column) in PROFILE_KEYS.items():
        profile, out = PROFILES[name], tmp_path / f"{name}.csv"
        assert (
            export_audience.main(
                ["value_retention", "--profile", name, "--out", str(out), "--serving-dir", str(serving)]
            )
            == 0
        )
        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        assert list(rows[0]) == [header for header, _ in profile.columns]
        written = {row[key_column]: row[action_column].split(",")[-1] for row in rows}
        expected = {
            key: action
            for key, action in treated.items()
            if (profile.channels is None or channels[action] in profile.channels)
            and (key in with_email or "email" not in profile.required)
        }
        assert written == expected and expected, name
        assert not {(key, channels[action]) for key, action in written.items()} & opted_out
        email, phone = (next(h for h, f in profile.columns if f == field) for field in ("email", "phone"))
        assert {row[key_column] for row in rows if row[email]} == set(written) & with_email, name
        phoned = {row[key_column] for row in rows if row[phone]}
        assert phoned and not {(key, ch) for key in phoned for ch in profile.phone_channels} & opted_out, name
        assert all(re.fullmatch(r"\+1[0-9]{10}", row[phone]) for row in rows if row[phone]), name


def plant_lift_for_the_treated(warehouse: Warehouse, small_data: DataSet, work: Path) -> Path:
    """The treated customers of the launch (one source record each) handed to plant_lift.py,
    which writes their planted purchases as a batch to append; returns the batch folder."""
    members = work / "treated.csv"
    treated = warehouse.query(
        "select any_value(map.customer_id order by map.source_system, map.customer_id), "
        "any_value(map.source_system order by map.source_system, map.customer_id) "
        "from marts.campaign_assignment_history as history "
        "inner join marts.customer_identity_map as map on history.customer_key = map.customer_key "
        f"where history.campaign_id = '{CAMPAIGN}' and history.as_of_date = '{LAUNCH}' "
        "and history.assignment_group = 'treatment' "
        "group by history.customer_key"
    )
    with members.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "source_system"])
        writer.writerows(treated)
    batch = work / "lift_batch"
    options = {"--data": small_data.path, "--members": members, "--launched-on": LAUNCH, "--days": 90}
    options |= {"--probability": 0.8, "--seed": 3, "--out": batch}
    planted = script("scripts/plant_lift.py", *(str(part) for option in options.items() for part in option))
    assert planted.returncode == 0, planted.stderr
    return batch


@pytest.fixture(scope="module")
def launched(tmp_path_factory: pytest.TempPathFactory, small_data: DataSet) -> dict:
    """The small data built as of LAUNCH, both campaigns launched with half the audience held out,
    measured before and after plant_lift.py adds purchases for the treated customers."""
    work = tmp_path_factory.mktemp("launched")
    warehouse = Warehouse(work / "warehouse.duckdb", work)
    load(small_data.path, warehouse.path)
    as_of = {"as_of_date": LAUNCH}
    build = warehouse.dbt("build", "--exclude", *NO_TESTS, vars=as_of)
    assert build.returncode == 0, plain(build)[-3000:]
    # the business sends the audience (a larger control group here, to measure precisely) and records the launch
    warehouse.execute("update raw.campaigns set control_share = 0.5, budget = 1000000")
    assigned = warehouse.dbt("run", "--select", "campaign_assignments", "campaign_assignment_history", vars=as_of)
    assert assigned.returncode == 0, plain(assigned)[-3000:]
    warehouse.execute(f"insert into raw.campaign_launches values ('{CAMPAIGN}', '{LAUNCH}')")
    measured = warehouse.dbt("run", "--select", "campaign_results", vars=as_of)
    assert measured.returncode == 0, plain(measured)[-3000:]
    before = {(r["campaign_id"], r["action"]): r for r in warehouse.records("select * from marts.campaign_results")}
    recorded = warehouse.query(HISTORY_OF, [CAMPAIGN])

    # a launched audience is a record: changing the control share afterwards does not rewrite it
    warehouse.execute("update raw.campaigns set control_share = 0.2")
    rerun = warehouse.dbt("run", "--select", "campaign_assignments", "campaign_assignment_history", vars=as_of)
    assert rerun.returncode == 0, plain(rerun)[-3000:]

    batch = plant_lift_for_the_treated(warehouse, small_data, work)
    load(batch, warehouse.path, append=True)
    # the models the appended lines flow into (the seeds hold the launch, so they are not reloaded)
    rebuilt = warehouse.dbt("run", "--select", "+campaign_results", vars=as_of)
    assert rebuilt.returncode == 0, plain(rebuilt)[-3000:]
    after = {(r["campaign_id"], r["action"]): r for r in warehouse.records("select * from marts.campaign_results")}
    return {
        "warehouse": warehouse,
        "before": before,
        "after": after,
        "recorded": recorded,
        "truth": json.loads((batch / "truth" / "planted_lift.json").read_text()),
    }


def test_a_launched_audience_is_kept_as_recorded(launched: dict) -> None:
    warehouse: Warehouse = launched["warehouse"]
    assert warehouse.query(HISTORY_OF, [CAMPAIGN]) == launched["recorded"]
    # the campaign that was not launched is recomputed with the new share
    other = warehouse.scalar(
        "select avg((assignment_group = 'control')::int) from marts.campaign_assignment_history where campaign_id <> ?",
        [CAMPAIGN],
    )
    assert other == pytest.approx(0.2, abs=0.02)
    # while today's assignment follows the new control share
    control = warehouse.scalar("select avg((assignment_group = 'control')::int) from marts.campaign_assignments")
    assert control == pytest.approx(0.2, abs=0.02)


def test_without_a_lift_the_measured_lift_is_not_significant(launched: dict) -> None:
    assert {campaign for campaign, _ in launched["before"]} == {CAMPAIGN}  # only the launched campaign is measured
    row = launched["before"][(CAMPAIGN, "all")]
    assert row["is_window_complete"]
    assert row["treatment_customers"] > 50 and abs(row["treatment_customers"] - row["control_customers"]) <= 1
    assert row["revenue_lift_lower"] <= 0 <= row["revenue_lift_upper"], row
    assert row["response_rate_lift_lower"] <= 0 <= row["response_rate_lift_upper"], row
    assert not row["is_revenue_lift_significant"]


def test_the_planted_lift_is_recovered_within_its_interval(launched: dict) -> None:
    was, now, truth = launched["before"][(CAMPAIGN, "all")], launched["after"][(CAMPAIGN, "all")], launched["truth"]
    assert truth["treated_customers"] == now["treatment_customers"]
    true_lift = float(truth["revenue_lift_per_treated_customer"])
    assert true_lift > 0
    # the control group is untouched and every planted cent lands on the treated customers
    assert now["control_revenue_per_customer"] == was["control_revenue_per_customer"]
    shift = now["treatment_revenue_per_customer"] - was["treatment_revenue_per_customer"]
    assert shift == pytest.approx(true_lift, abs=1e-4)
    assert now["revenue_lift_per_customer"] == pytest.approx(was["revenue_lift_per_customer"] + true_lift, abs=1e-4)
    # the measured lift's interval holds the true lift; with about 70 customers a group, revenue (a
    # few customers spend thousands) is too noisy to call the lift significant, the response rate is not
    assert now["revenue_lift_lower"] <= true_lift <= now["revenue_lift_upper"], (now, true_lift)
    assert now["revenue_lift_per_customer"] > was["revenue_lift_per_customer"]
    true_response_lift = now["treatment_response_rate"] - was["treatment_response_rate"]
    assert true_response_lift * now["treatment_customers"] <= truth["planted_customers"]
    assert now["response_rate_lift_lower"] <= true_response_lift <= now["response_rate_lift_upper"]
    assert now["response_rate_lift_lower"] > 0, "the planted response is detected"
    # per action too: the planted revenue splits over the actions, the totals add up
    actions = [row for (campaign, action), row in launched["after"].items() if action != "all"]
    assert sum(row["treatment_customers"] for row in actions) == now["treatment_customers"]
