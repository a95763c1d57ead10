"""The demand evaluation: events must match exactly, people within 1% and explained by linkage."""

import pandas as pd

from warehouse.demand.evaluate import compare


def frame(rows):
    return pd.DataFrame(rows, columns=["service", "measure", "year", "value"])


TRUTH = frame([
    ("send", "new_ehc_plans", 2024, 40), ("send", "new_ehc_plans", 2025, 44),
    ("send", "ehc_plans_in_force_january", 2024, 500), ("send", "ehc_plans_in_force_january", 2025, 550),
])


def test_exact_counts_and_people_within_one_percent_explained_by_linkage_pass():
    built = frame([
        ("send", "new_ehc_plans", 2024, 40), ("send", "new_ehc_plans", 2025, 44),
        ("send", "ehc_plans_in_force_january", 2024, 503), ("send", "ehc_plans_in_force_january", 2025, 548),
        ("send", "share_new_ehc_plans_within_20_weeks", 2024, 0.5),
    ])
    recount = frame([("send", "ehc_plans_in_force_january", 2024, 500), ("send", "ehc_plans_in_force_january", 2025, 550)])
    result = compare(TRUTH, built, recount)
    assert result["passed"]
    people = next(m for m in result["measures"] if m["measure"] == "ehc_plans_in_force_january")
    assert people["max_abs_difference"] == 3 and people["recount_with_true_ids_matches_truth"]


def test_one_event_out_fails_however_small():
    built = frame([
        ("send", "new_ehc_plans", 2024, 41), ("send", "new_ehc_plans", 2025, 44),
        ("send", "ehc_plans_in_force_january", 2024, 500), ("send", "ehc_plans_in_force_january", 2025, 550),
    ])
    recount = frame([("send", "ehc_plans_in_force_january", 2024, 500), ("send", "ehc_plans_in_force_january", 2025, 550)])
    result = compare(TRUTH, built, recount)
    assert not result["passed"]
    assert [m["passed"] for m in result["measures"]] == [False, True]


def test_people_counts_fail_beyond_one_percent_or_when_linkage_does_not_explain_them():
    built = frame([
        ("send", "new_ehc_plans", 2024, 40), ("send", "new_ehc_plans", 2025, 44),
        ("send", "ehc_plans_in_force_january", 2024, 510), ("send", "ehc_plans_in_force_january", 2025, 550),
    ])
    recount = frame([("send", "ehc_plans_in_force_january", 2024, 500), ("send", "ehc_plans_in_force_january", 2025, 550)])
    assert not compare(TRUTH, built, recount)["passed"]  # 2% out
    within = built.assign(value=[40, 44, 502, 550])
    wrong_rule = recount.assign(value=[502, 550])  # the rule itself, not linkage, is off
    assert not compare(TRUTH, within, wrong_rule)["passed"]


def test_a_measure_missing_from_the_warehouse_fails_and_is_named():
    built = frame([("send", "new_ehc_plans", 2024, 40), ("send", "new_ehc_plans", 2025, 44)])
    result = compare(TRUTH, built, frame([]))
    assert not result["passed"]
    assert result["missing_from_warehouse"] == [{"service": "send", "measure": "ehc_plans_in_force_january"}]
