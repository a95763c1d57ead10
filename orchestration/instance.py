"""The Dagster instance every `council build`, `dagster dev` and test uses: its ``dagster.yaml``.

It is Dagster's local SQLite storage (run history under ``$DAGSTER_HOME/history``), with two
changes: the event log keeps its database connections open (``PooledSqliteEventLogStorage``), and
the run queue starts one run at a time.
"""

import json
import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from dagster._core.storage.sql import create_engine
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

HEADER = "# Written, and rewritten, by `council` (orchestration/instance.py). To configure Dagster otherwise, replace it all.\n"


def instance_yaml(home: Path) -> str:
    """Dagster's local SQLite storage, with an event log that keeps its connections open (its
    folder spelt out: Dagster passes a storage nothing but its config), and one run at a time."""
    return HEADER + f"""\
event_log_storage:
  module: orchestration.instance
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {json.dumps(str(home.resolve() / "history" / "runs"))}
# Runs wait in the queue while one runs: every build writes the same working copy
# (warehouse.publishing.one_writer, which also holds builds started outside the queue).
concurrency:
  runs:
    max_concurrent_runs: 1
# Councils' information governance: no usage statistics leave the machine.
telemetry:
  enabled: false
"""


def prepare_dagster_home(home: Path) -> Path:
    """Create ``home`` with this project's ``dagster.yaml``, unless it holds a config of its own
    (a council's Postgres storage, say), which is kept as it is."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text() if config.exists() else ""
    if not current.strip() or current.startswith(HEADER):
        if current != instance_yaml(home):
            config.write_text(instance_yaml(home))
    return home


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log (the same files and schema), but each database keeps an engine
    and its pool of connections, instead of opening and closing both for every write.

    Closing the last connection to a SQLite database in WAL mode checkpoints it, so Dagster's own
    class pays a checkpoint, and a new SQLAlchemy engine, for each event. A build stores about
    1,800 events (each dbt test is a planned and then an evaluated check), most of them while dbt
    needs both cores. Dagster's Postgres storage pools its connections; its SQLite storage has no
    setting for it, hence this subclass. bench/dagster_events.py: 720 check and materialisation
    events took 10.4 s with Dagster's class, 3.1 s with kept connections, 2.2 s with
    ``synchronous = normal`` as well and 2.0 s with ``has_table`` remembered.

    ``synchronous = normal``: in WAL mode a commit then waits for no disk flush. A power cut can
    lose the last events written, never the database; the warehouse's own audit of what it
    published is in the warehouse.
    """

    # The index and the few runs being written or read. Each engine holds its database file open,
    # and a long-lived process (the webserver) reads many runs.
    ENGINES_KEPT = 4

    def __init__(self, base_dir: str, inst_data=None):
        # Before Dagster's __init__, which connects.
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_pid = os.getpid()
        self._tables_found: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine; called, as every use of the engines is, under Dagster's _db_lock."""
        if self._engines_pid != os.getpid():
            # A forked child must not use its parent's SQLite connections: new engines.
            for engine in self._engines.values():
                engine.dispose(close=False)
            self._engines.clear()
            self._engines_pid = os.getpid()
        engine = self._engines.pop(shard, None) or self._new_engine(shard)
        self._engines[shard] = engine  # the most recently used last
        while len(self._engines) > self.ENGINES_KEPT:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def _new_engine(self, shard: str) -> Engine:
        engine = create_engine(self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})

        @event.listens_for(engine, "connect")
        def _synchronous_normal(dbapi_connection, _record) -> None:
            dbapi_connection.execute("pragma synchronous = normal")

        return engine

    def _dispose_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As Dagster's, but with the shard's kept engine.
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        # Dagster asks before most writes, through a new engine of its own each time. Its tables
        # are only ever added (by a migration), so a table found stays found.
        if table_name not in self._tables_found and super().has_table(table_name):
            self._tables_found.add(table_name)
        return table_name in self._tables_found

    def wipe(self) -> None:
        self._dispose_engines()  # it deletes the runs' database files
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        self._dispose_engines()


if __name__ == "__main__":  # make env: the home `dagster dev` uses
    import sys

    prepare_dagster_home(Path(sys.argv[1]))
