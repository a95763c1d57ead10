"""The Dagster code location: everything under ``defs/``, one ``@definitions`` per module."""

from pathlib import Path

import dagster as dg

from warehouse.settings import Settings

Settings.from_env().export()  # dbt runs as a subprocess: give it the same paths as Dagster

defs = dg.load_from_defs_folder(path_within_project=Path(__file__).parent / "defs")
