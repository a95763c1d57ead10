"""Every demand mart has a pandera model that matches its dbt contract, run as a blocking check."""

from pathlib import Path

import yaml

from warehouse.demand.schemas import MART_SCHEMAS

ROOT = Path(__file__).resolve().parents[2]
MARTS_YAML = ROOT / "models" / "marts" / "demand" / "_demand__models.yml"


def contracted_marts() -> dict[str, list[str]]:
    models = yaml.safe_load(MARTS_YAML.read_text(encoding="utf-8"))["models"]
    return {m["name"]: [c["name"] for c in m["columns"]] for m in models
            if (m.get("config") or {}).get("contract", {}).get("enforced")}


def test_every_contracted_mart_has_a_pandera_model_with_the_same_columns():
    marts = contracted_marts()
    assert set(marts) == set(MART_SCHEMAS)
    for name, columns in marts.items():
        assert sorted(MART_SCHEMAS[name].to_schema().columns) == sorted(columns), name


def test_every_mart_check_is_blocking_on_the_dbt_asset():
    from orchestration.defs.demand import defs

    checks = {spec.asset_key.to_user_string(): spec for spec in
              (s for c in defs().asset_checks for s in c.check_specs)}
    for mart in MART_SCHEMAS:
        spec = checks[f"marts/{mart}"]
        assert spec.blocking, mart
