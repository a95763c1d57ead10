"""Cached, read-only readers of the published warehouse.

The build never writes into the published file: it builds a new file and ``os.replace``s it
over the old one (shared/STACK.md). So a reader that holds the old file open never blocks a
build, and keys everything on the file's identity (device, inode, mtime, size): a rebuilt
warehouse is a new identity, which means a new connection and fresh cache entries.

Inside one process DuckDB reuses an open database per path, so a new connection only sees the
replaced file once every old connection to that path is closed; hence one connection per path,
closed as soon as its file's identity changes.

No query here selects ``audit.rejects.raw_record``: it holds the rejected row as the source
system wrote it, personal data included.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

WAREHOUSE_ENV = "COUNCIL_WAREHOUSE"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
CACHE_TTL = "10m"

BUILD_HINT = (
    "Build it with `make demo`, or with `council generate` then `council build`, "
    "and point the app at it with `council serve --warehouse FILE`."
)


class WarehouseUnavailable(Exception):
    """The warehouse cannot be read now; the message says why and what to do, for a person."""


@dataclass(frozen=True)
class Warehouse:
    """One version of the published file. Hashable, so it keys ``st.cache_data``."""

    path: str
    identity: tuple[int, int, int, int]


def warehouse_path() -> Path:
    return Path(os.environ.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE).expanduser().resolve()


def current_warehouse() -> Warehouse:
    """The published warehouse as it is now, or ``WarehouseUnavailable`` with a readable reason."""
    path = warehouse_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WarehouseUnavailable(
            f"No warehouse has been built at `{path}` yet. {BUILD_HINT}"
        ) from None
    if not path.is_file():
        raise WarehouseUnavailable(f"`{path}` is not a file. {BUILD_HINT}")
    return Warehouse(str(path), (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size))


_lock = threading.Lock()
_connections: dict[str, tuple[tuple[int, int, int, int], duckdb.DuckDBPyConnection]] = {}


def _connection(warehouse: Warehouse) -> duckdb.DuckDBPyConnection:
    """The open read-only connection for this version of the file; call with ``_lock`` held."""
    cached = _connections.get(warehouse.path)
    if cached is not None:
        identity, connection = cached
        if identity == warehouse.identity:
            return connection
        del _connections[warehouse.path]
        connection.close()
    try:
        connection = duckdb.connect(warehouse.path, read_only=True)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise WarehouseUnavailable(
                f"`{warehouse.path}` is being written by another process right now. "
                "Builds should write a new file and replace the published one; "
                "try again in a moment."
            ) from None
        raise WarehouseUnavailable(
            f"`{warehouse.path}` could not be opened as a DuckDB warehouse. {BUILD_HINT}"
        ) from None
    except duckdb.Error:
        raise WarehouseUnavailable(
            f"`{warehouse.path}` could not be opened as a DuckDB warehouse. {BUILD_HINT}"
        ) from None
    _connections[warehouse.path] = (warehouse.identity, connection)
    return connection


def query(warehouse: Warehouse, sql: str, parameters: list | None = None) -> pd.DataFrame:
    # One query at a time per process: results are cached, so this is rare, and it means a
    # connection is never closed under a query that another session thread is running.
    with _lock:
        return _connection(warehouse).execute(sql, parameters or []).df()


def close_all() -> None:
    """Release every open warehouse file (tests; a server that is shutting down)."""
    with _lock:
        while _connections:
            _, (_, connection) = _connections.popitem()
            connection.close()


def _relations(warehouse: Warehouse) -> set[tuple[str, str]]:
    found = query(
        warehouse,
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()",
    )
    return set(zip(found["table_schema"], found["table_name"], strict=True))


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def relations(warehouse: Warehouse) -> frozenset[tuple[str, str]]:
    return frozenset(_relations(warehouse))


def has_relation(warehouse: Warehouse, schema: str, name: str) -> bool:
    return (schema, name) in relations(warehouse)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def build_info(warehouse: Warehouse) -> dict:
    """When the warehouse was built: the latest ``audit.builds`` row, else the last file load."""
    if has_relation(warehouse, "audit", "builds"):
        latest = query(
            warehouse,
            "select build_id, started_at, finished_at, status, code_version "
            "from audit.builds order by coalesce(finished_at, started_at) desc nulls last limit 1",
        )
        if not latest.empty:
            return {"source": "audit.builds", **latest.iloc[0].to_dict()}
    if has_relation(warehouse, "audit", "load_log"):
        last_load = query(warehouse, "select max(loaded_at) as finished_at from audit.load_log")
        return {"source": "audit.load_log", "finished_at": last_load.iloc[0]["finished_at"]}
    return {"source": None, "finished_at": None}


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def load_log(warehouse: Warehouse) -> pd.DataFrame:
    """One row per extract file the loader has seen, failed files first."""
    return query(
        warehouse,
        """
        select
            source_system,
            source_table,
            extract_date,
            file,
            status,
            rows_in_file,
            rows_loaded,
            rows_rejected,
            error,
            loaded_at,
            duration_s,
        from audit.load_log
        order by status = 'failed' desc, source_system, source_table, extract_date, file
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def sources_summary(warehouse: Warehouse) -> pd.DataFrame:
    """Per source system: its extract dates, files and rows, and when it was last loaded.

    Rows of a file set aside whole (the same bytes redelivered, or an extract older than one
    loaded) are kept as rejects to balance the accounting, but they say nothing about the data's
    quality: they are counted apart from the rows rejected one by one."""
    return query(
        warehouse,
        """
        select
            source_system,
            min(extract_date) as first_extract,
            max(extract_date) as latest_extract,
            count(distinct extract_date) as extracts,
            string_agg(distinct strftime(extract_date, '%Y-%m-%d'), ', '
                       order by strftime(extract_date, '%Y-%m-%d')) as extract_dates,
            count(*) as files,
            count(*) filter (where status = 'failed') as failed_files,
            count(*) filter (where status = 'stale') as stale_files,
            coalesce(sum(rows_in_file), 0) :: bigint as rows_in_files,
            coalesce(sum(rows_loaded), 0) :: bigint as rows_loaded,
            coalesce(sum(rows_rejected) filter (where status not in ('duplicate', 'stale')), 0) :: bigint
                as rows_rejected,
            coalesce(sum(rows_rejected) filter (where status in ('duplicate', 'stale')), 0) :: bigint
                as rows_set_aside,
            max(loaded_at) as last_loaded_at,
        from audit.load_log
        group by source_system
        order by source_system
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def rows_by_extract(warehouse: Warehouse) -> pd.DataFrame:
    return query(
        warehouse,
        """
        select
            source_system,
            strftime(extract_date, '%Y-%m-%d') as extract_date,
            coalesce(sum(rows_loaded), 0) :: bigint as rows_loaded,
            coalesce(sum(rows_rejected), 0) :: bigint as rows_rejected,
        from audit.load_log
        group by all
        order by extract_date, source_system
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def rejects_summary(warehouse: Warehouse) -> pd.DataFrame:
    """Rejected rows grouped by file, column and reason. Never selects ``raw_record``."""
    if not has_relation(warehouse, "audit", "rejects"):
        return pd.DataFrame(
            columns=[
                "source_system",
                "source_table",
                "file",
                "column_name",
                "reason",
                "rows_rejected",
                "first_row",
                "last_row",
            ]
        )
    return query(
        warehouse,
        """
        select
            source_system,
            source_table,
            file,
            column_name,
            reason,
            count(*) :: bigint as rows_rejected,
            min(row_number) as first_row,
            max(row_number) as last_row,
        from audit.rejects
        group by all
        order by rows_rejected desc, source_system, source_table, file, column_name, reason
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def staging_models(warehouse: Warehouse) -> pd.DataFrame:
    """Every ``stg_`` relation, wherever dbt put it, with its row and column counts."""
    found = query(
        warehouse,
        r"""
        select
            t.table_schema as schema,
            t.table_name as model,
            case t.table_type when 'VIEW' then 'view' else 'table' end as materialised,
            count(c.column_name) as columns,
        from information_schema.tables as t
        left join information_schema.columns as c
            on c.table_catalog = t.table_catalog
            and c.table_schema = t.table_schema
            and c.table_name = t.table_name
        where t.table_catalog = current_database()
            and t.table_name like 'stg\_%' escape '\'
        group by all
        order by t.table_name, t.table_schema
        """,
    )
    if found.empty:
        return found.assign(rows=pd.Series(dtype="int64"))
    counts = " union all ".join(
        f"select {index} as i, count(*) as n from {_quote(schema)}.{_quote(name)}"
        for index, (schema, name) in enumerate(zip(found["schema"], found["model"], strict=True))
    )
    rows = query(warehouse, f"select i, n from ({counts}) order by i")
    found.insert(3, "rows", rows["n"].to_numpy())
    return found


# The build's bookkeeping: their tables are named after the models they track
# (incremental_state.dim_resident holds dim_resident's unit digests, not residents).
STATE_SCHEMAS = ("incremental_state", "staging_state", "linkage_state")


def staging_relation(warehouse: Warehouse, model: str) -> tuple[str, str] | None:
    """(schema, name) of a dbt model, wherever dbt put it."""
    for schema, name in sorted(relations(warehouse)):
        if name == model and schema not in STATE_SCHEMAS:
            return schema, name
    return None


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def relation_columns(warehouse: Warehouse, schema: str, name: str) -> tuple[str, ...]:
    found = query(
        warehouse,
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, name],
    )
    return tuple(found["column_name"])


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def count_by(
    warehouse: Warehouse, schema: str, name: str, columns: tuple[str, ...]
) -> pd.DataFrame:
    """Row counts of a relation grouped by some of its columns (names checked against it)."""
    known = set(relation_columns(warehouse, schema, name))
    unknown = [column for column in columns if column not in known]
    if unknown:
        raise ValueError(f"{schema}.{name} has no column {', '.join(unknown)}")
    selected = ", ".join(_quote(column) for column in columns)
    return query(
        warehouse,
        f"select {selected}, count(*) as rows from {_quote(schema)}.{_quote(name)} "
        f"group by all order by rows desc",
    )


def _find(warehouse: Warehouse, name: str) -> str | None:
    found = staging_relation(warehouse, name)
    return None if found is None else f"{_quote(found[0])}.{_quote(found[1])}"


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def address_match_rates(warehouse: Warehouse) -> pd.DataFrame:
    """Per source system: address records and the share resolved to a UPRN (linkage marts)."""
    bridge = _find(warehouse, "bridge_address_uprn")
    if bridge is None:
        return pd.DataFrame(columns=["source_system"])
    return query(
        warehouse,
        f"""
        select source_system, count(*) as address_records,
               avg(case when uprn is not null then 1.0 else 0.0 end) as addresses_matched,
        from {bridge} group by all
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def person_link_rates(warehouse: Warehouse) -> pd.DataFrame:
    """Per source system: person records and the share whose resident is known to another system."""
    bridge = _find(warehouse, "bridge_resident_source_record")
    if bridge is None:
        return pd.DataFrame(columns=["source_system"])
    return query(
        warehouse,
        f"""
        with systems as (
            select resident_id, count(distinct source_system) as systems from {bridge} group by all
        )
        select b.source_system, count(*) as person_records,
               avg(case when s.systems > 1 then 1.0 else 0.0 end) as linked_across_systems,
        from {bridge} as b join systems as s using (resident_id)
        group by all
        """,
    )


@st.cache_data(ttl=CACHE_TTL, show_spinner=False)
def build_checks(warehouse: Warehouse) -> pd.DataFrame | None:
    """``audit.build_checks`` of the latest build, when the build records its checks there."""
    if not has_relation(warehouse, "audit", "build_checks"):
        return None
    return query(
        warehouse,
        """
        select asset_key, check_name, passed, severity
        from audit.build_checks
        where build_id = (
            select c.build_id from audit.build_checks as c
            left join audit.builds as b using (build_id)
            group by c.build_id order by max(b.finished_at) desc nulls last limit 1
        )
        """,
    )
