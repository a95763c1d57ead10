"""Address matching and person linkage: Python between the intermediate dbt models and the marts.

``match_addresses`` resolves every source address to a gazetteer UPRN; ``link_residents``
links person records into residents with stable ids. Both write tables into the ``linkage``
schema of the build's working copy, which the marts read as dbt sources (the sources name these
assets' keys, so lineage runs intermediate -> linkage -> marts). The trained Splink model is
saved beside the build (``<build dir>/linkage/person_model.json``) and in ``linkage.person_model``.
What the next build needs to relink only what changed (the model, its term frequencies, scored
pairs and clusters) is kept in the ``linkage_state`` schema of the published warehouse.
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model
from dagster_duckdb import DuckDBResource

from orchestration.defs.dbt import dbt_models
from warehouse.linkage.addresses import match_addresses as run_address_matching
from warehouse.linkage.people import link_people
from warehouse.settings import Settings, return_freed_memory

ADDRESS_TABLES = {
    "address_matches": "One row per source address record: the UPRN it resolved to, the method and the score.",
    "address_review_queue": "Source addresses no method resolved, with the reason.",
}
RESIDENT_TABLES = {
    "resident_records": "One row per person record: the resident it belongs to (stable resident_id).",
    "resident_links": "Scored and deterministic pairs of person records, with match weight and explanation.",
    "review_queue": "Pairs for clerical review: between the review and link thresholds, or refused by a rule.",
    "resident_id_changes": "Every merge and split of resident ids across builds.",
    "person_model": "The Splink model this build used, when it was trained, and the run's summary.",
}


def _key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["linkage", table])


def _model_key(name: str) -> dg.AssetKey:
    return get_asset_key_for_model([dbt_models], name)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(_key(t), description=d, group_name="linkage", kinds={"duckdb", "python"},
                     deps=[_model_key("int_address_records"), _model_key("stg_gazetteer__llpg")])
        for t, d in ADDRESS_TABLES.items()
    ],
    name="match_addresses",
    description="Every source address to a gazetteer UPRN: supplied and valid, exact on normalised "
    "BS 7666 parts, or probabilistic (uk-address-matcher).",
)
def match_addresses(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    prepared = Settings.from_env().data_dir / "cache" / "address_matcher"
    with warehouse.get_connection() as con:
        summary = run_address_matching(con, prepared_dir=prepared)
    context.log.info(f"addresses: {summary.by_method} in {summary.seconds} s; {summary.kept:,} kept from the last build")
    for table in ADDRESS_TABLES:
        rows = summary.records if table == "address_matches" else summary.queued
        yield dg.MaterializeResult(
            asset_key=_key(table),
            metadata={"dagster/row_count": rows, "by_method": dg.MetadataValue.json(summary.by_method),
                      "resolved_to_parent": summary.resolved_to_parent, "seconds": summary.seconds,
                      "kept_from_last_build": summary.kept},
        )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(_key(t), description=d, group_name="linkage", kinds={"duckdb", "python"},
                     deps=[_model_key("int_person_records"), _model_key("int_person_addresses"),
                           _key("address_matches")])
        for t, d in RESIDENT_TABLES.items()
    ],
    name="link_residents",
    description="Person records of the five systems linked into residents with Splink (EM-trained), "
    "deterministic identifier links, refusal rules, review decisions and stable resident ids. "
    "Between retrainings only pairs touching a new or changed record are scored.",
)
def link_residents(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    settings = Settings.from_env()
    model_path = settings.build_warehouse.parent / "linkage" / "person_model.json"
    with warehouse.get_connection() as con:
        summary = link_people(con, settings.state_dir, model_path=model_path)
    return_freed_memory()
    context.log.info(f"residents: {summary.residents:,} from {summary.records:,} records "
                     f"({summary.records_rescored:,} new or changed, {summary.records_reclustered:,} reclustered); "
                     f"id changes {summary.id_changes}; {summary.seconds}")
    rows = {"resident_records": summary.records, "review_queue": summary.review_queue}
    for table in RESIDENT_TABLES:
        metadata = {"residents": summary.residents, "seconds": dg.MetadataValue.json(summary.seconds),
                    "records_rescored": summary.records_rescored, "records_reclustered": summary.records_reclustered}
        if table in rows:
            metadata["dagster/row_count"] = rows[table]
        if table == "resident_id_changes":
            metadata["changes_this_build"] = dg.MetadataValue.json(summary.id_changes)
        if table == "person_model":
            metadata["model_path"] = str(model_path)
        yield dg.MaterializeResult(asset_key=_key(table), metadata=metadata)


@dg.asset_check(asset=_key("address_matches"), name="every_address_resolved_or_queued", blocking=True,
                description="Each source address record is either matched to a gazetteer UPRN or in the review "
                "queue with a reason, never lost.")
def every_address_resolved_or_queued(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        lost = con.execute("""
            select count(*) from linkage.address_matches m
            where m.uprn is null and m.address_record_key not in (select address_record_key from linkage.address_review_queue)
        """).fetchone()[0]
        unknown = con.execute("""
            select count(*) from linkage.address_matches m
            where m.uprn is not null and m.uprn not in (select uprn from staging.stg_gazetteer__llpg)
        """).fetchone()[0]
    return dg.AssetCheckResult(passed=lost == 0 and unknown == 0,
                               metadata={"unmatched_not_queued": lost, "uprn_not_in_gazetteer": unknown})


@dg.asset_check(asset=_key("resident_records"), name="one_resident_per_record", blocking=True,
                description="Every person record belongs to exactly one resident.")
def one_resident_per_record(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        records, distinct, missing = con.execute("""
            select count(*), count(distinct person_record_key), count(*) filter (where resident_id is null)
            from linkage.resident_records
        """).fetchone()
        expected = con.execute("select count(*) from intermediate.int_person_records").fetchone()[0]
    return dg.AssetCheckResult(
        passed=records == distinct == expected and missing == 0,
        metadata={"records": records, "expected": expected, "without_resident": missing},
    )


@dg.asset_check(asset=_key("resident_records"), name="no_resident_joins_conflicting_identifiers", blocking=False,
                description="No resident holds two different valid NHS numbers, NI numbers or UPNs, unless an "
                "analyst accepted the link.")
def no_resident_joins_conflicting_identifiers(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        conflicted = con.execute("""
            select count(*) from (
                select r.resident_id
                from linkage.resident_records r join intermediate.int_person_records p using (person_record_key)
                group by r.resident_id
                having count(distinct p.nhs_number) > 1 or count(distinct p.ni_number) > 1 or count(distinct p.upn) > 1
            )
        """).fetchone()[0]
    return dg.AssetCheckResult(passed=conflicted == 0, metadata={"residents_with_conflicting_identifiers": conflicted})


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=[match_addresses, link_residents],
        asset_checks=[every_address_resolved_or_queued, one_resident_per_record,
                      no_resident_joins_conflicting_identifiers],
    )
