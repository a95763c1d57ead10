from pathlib import Path

import pytest

from warehouse.generator import MessRates, generate

SMALL = 3_000
SEED = 7


@pytest.fixture(scope="session")
def borough(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("borough")
    generate(out=out, residents=SMALL, seed=SEED, mess=MessRates())
    return out


@pytest.fixture(scope="session")
def tidy_borough(tmp_path_factory) -> Path:
    """The same borough with typos, nicknames and missing UPRNs switched off."""
    out = tmp_path_factory.mktemp("tidy")
    generate(out=out, residents=SMALL, seed=SEED, mess=MessRates().without("typo", "nickname", "missing_uprn"))
    return out
