"""Shared look-ups over the simulated population that every service layer needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .calendar import SIM_START
from .geography import Borough
from .population import Population
from .tables import order_by

_SHIFT = 1 << 20  # day numbers stay far below this


@dataclass
class Context:
    rng: np.random.Generator
    borough: Borough
    pop: Population

    def __post_init__(self) -> None:
        s = self.pop.spells.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)
        self.spells = s
        self._keys = s["person_id"].to_numpy() * _SHIFT + s["start"].to_numpy()
        self.uprn = self.borough.dwellings["UPRN"].to_numpy()
        self.dw_lsoa = self.borough.dwellings["_lsoa"].to_numpy()
        self.dw_tenure = self.borough.dwellings["tenure"].to_numpy()
        self.deprivation = self.borough.lsoas["deprivation"].to_numpy()
        # The simulation starts everyone on 2016-01-01; households then had lived there for a while.
        n_h = int(self.pop.household_spells["household_id"].max()) + 1 if len(self.pop.household_spells) else 0
        self.people = self.pop.people
        self.dob = self.people["dob"].to_numpy()
        moved_in = SIM_START - self.rng.integers(30, 20 * 365, n_h)
        # ... but not before the eldest of the household was an adult.
        first = s[s["start"] == SIM_START]
        eldest = pd.Series(self.dob[first["person_id"].to_numpy()]).groupby(first["household_id"].to_numpy()).min()
        adult_from = np.full(n_h, -10**7, dtype=np.int64)
        adult_from[eldest.index.to_numpy()] = eldest.to_numpy() + int(18 * 365.25)
        self.hh_moved_in = np.minimum(np.maximum(moved_in, adult_from), SIM_START)

    def spell_at(self, person: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Index into ``spells`` of each person's residence on each day, or -1 if not resident."""
        q = np.asarray(person, np.int64) * _SHIFT + np.asarray(days, np.int64)
        i = np.searchsorted(self._keys, q, side="right") - 1
        i = np.maximum(i, 0)
        s = self.spells
        ok = (s["person_id"].to_numpy()[i] == person) & (s["end"].to_numpy()[i] > days) & (s["start"].to_numpy()[i] <= days)
        return np.where(ok, i, -1)

    def dwelling_at(self, person: np.ndarray, days: np.ndarray) -> np.ndarray:
        i = self.spell_at(person, days)
        return np.where(i >= 0, self.spells["dwelling"].to_numpy()[np.maximum(i, 0)], -1)

    def household_at(self, person: np.ndarray, days: np.ndarray) -> np.ndarray:
        i = self.spell_at(person, days)
        return np.where(i >= 0, self.spells["household_id"].to_numpy()[np.maximum(i, 0)], -1)

    def backdated_start(self, household: np.ndarray, start: np.ndarray, dob: np.ndarray | None = None) -> np.ndarray:
        """Spells open on the first simulated day really began earlier (never before age 16)."""
        moved_in = self.hh_moved_in[household]
        out = np.where(start == SIM_START, moved_in, start)
        if dob is not None:
            out = np.where(start == SIM_START, np.maximum(out, dob), out)
        return out

    def address_history(self, pids: np.ndarray, first: pd.Series) -> pd.DataFrame:
        """Each person's homes from ``first`` (their first day on the case record) on, oldest first.

        A home lived in on the first simulated day was theirs from before, as far back as the record.
        """
        sp = self.spells[self.spells["person_id"].isin(pids)].copy()
        sp["first"] = first.reindex(sp["person_id"].to_numpy()).to_numpy()
        sp = sp[sp["end"] > sp["first"]]
        moved_in = self.backdated_start(sp["household_id"].to_numpy(), sp["start"].to_numpy(), self.dob[sp["person_id"].to_numpy()])
        sp["from"] = np.maximum(moved_in, sp["first"].to_numpy())
        return sp.iloc[order_by(sp["from"].to_numpy(), sp["person_id"].to_numpy())].reset_index(drop=True)

    def stress(self, household: np.ndarray, year_index: np.ndarray | int) -> np.ndarray:
        s = self.pop.stress[household, year_index]
        return np.nan_to_num(s, nan=0.0)

    def residents_on(self, d: int) -> pd.DataFrame:
        s = self.spells
        return s[(s["start"] <= d) & (s["end"] > d)]


def members_of(household_spells: pd.DataFrame, person_spells: pd.DataFrame) -> pd.DataFrame:
    """Person spells lived inside each household spell; column ``k`` is the household spell's row.

    ``household_spells`` must still carry the simulation's own start and end (``_start``, ``_end``)."""
    h = pd.DataFrame({"household_id": household_spells["household_id"].to_numpy(),
                      "dwelling": household_spells["dwelling"].to_numpy(),
                      "_hs": household_spells["_start"].to_numpy(), "_he": household_spells["_end"].to_numpy(),
                      "k": np.arange(len(household_spells))})
    m = person_spells.merge(h, on=["household_id", "dwelling"], how="inner")
    m = m[(m["start"] >= m["_hs"]) & (m["start"] < m["_he"])]
    return m.drop(columns=["_hs", "_he"]).sort_values(["k", "start", "person_id"], kind="stable").reset_index(drop=True)
