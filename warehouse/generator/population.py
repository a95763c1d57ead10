"""People, households and their life events over ten years, simulated a year at a time.

Every person and household is a row in a column store; each year draws the year's events for
everyone at once (vectorised), with the event's day drawn inside the year and never before the
person's previous event, so residence spells never overlap.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import identifiers, names
from .calendar import NEVER, SIM_START, YEARS, day, year_start
from .geography import COUNCIL, OWNER, PRIVATE_RENT, TEMPORARY, Borough
from .store import Store

HEAD, PARTNER, CHILD, OTHER = 0, 1, 2, 3
F, M = 0, 1
LA_CODE = 999  # fictional local authority number used in UPNs

# Household kinds: (name, initial weight, in-migrant weight)
KINDS = (
    ("single_young", 0.15, 0.30),
    ("single_mid", 0.11, 0.06),
    ("single_old", 0.12, 0.03),
    ("couple", 0.17, 0.22),
    ("couple_old", 0.08, 0.02),
    ("family", 0.23, 0.24),
    ("lone_parent", 0.09, 0.07),
    ("sharers", 0.05, 0.08),
)

HOMELESS_REASONS_BY_TENURE = {
    PRIVATE_RENT: (("End of private rented tenancy - assured shorthold", 0.55), ("Rent arrears", 0.15),
                   ("Domestic abuse", 0.1), ("Relationship breakdown", 0.1), ("Other", 0.1)),
    COUNCIL: (("Rent arrears", 0.35), ("End of social rented tenancy", 0.2), ("Domestic abuse", 0.2),
              ("Relationship breakdown", 0.15), ("Other", 0.1)),
    OWNER: (("Mortgage arrears", 0.3), ("Relationship breakdown", 0.3), ("Domestic abuse", 0.2),
            ("Family or friends no longer willing or able to accommodate", 0.2)),
}


@dataclass
class Population:
    people: pd.DataFrame  # one row per true person
    spells: pd.DataFrame  # person_id, household_id, dwelling, start, end (end exclusive; NEVER if open)
    household_spells: pd.DataFrame  # household_id, dwelling, start, end
    stress: np.ndarray  # [household, year index] financial stress, higher = worse
    approaches: pd.DataFrame  # homelessness approaches: household_id, day, dwelling, ...


class _Sim:
    def __init__(self, rng: np.random.Generator, borough: Borough, residents: int):
        self.rng = rng
        self.b = borough
        self.residents = residents
        dw = borough.dwellings
        self.dw_tenure = dw["tenure"].to_numpy()
        self.dw_dep = borough.lsoas["deprivation"].to_numpy()[dw["_lsoa"].to_numpy()]
        self.occupant = np.full(len(dw), -1, dtype=np.int64)
        # Homes vacated during the year, per tenure: a heap of (day vacated, dwelling).
        self.freed: dict[int, list[tuple[int, int]]] = {}
        cap = int(residents * 2.2) + 1000
        self.P = Store({
            "sex": (np.int8, 0), "dob": (np.int64, 0), "forename": (object, ""), "surname": (object, ""),
            "birth_surname": (object, ""), "surname_changed": (np.int64, NEVER), "origin": (np.int8, 0),
            "ethnicity": (object, ""), "mother": (np.int64, -1), "father": (np.int64, -1),
            "twin_of": (np.int64, -1), "junior_of": (np.int64, -1), "hh": (np.int64, -1),
            "role": (np.int8, 0), "partner": (np.int64, -1), "present": (bool, False),
            "arrived": (np.int64, 0), "died": (np.int64, NEVER), "left": (np.int64, NEVER),
            "last": (np.int64, 0), "born_here": (bool, False),
        }, cap)
        self.H = Store({"dwelling": (np.int64, -1), "active": (bool, False), "base": (np.float64, 0.0),
                        "created": (np.int64, 0)}, cap // 2)
        self.person_events: list[tuple[np.ndarray, ...]] = []
        self.hh_events: list[tuple[np.ndarray, ...]] = []
        self.stress_by_year: list[np.ndarray] = []
        self.stress_now = np.zeros(0)
        self.approach_rows: list[pd.DataFrame] = []
        self.pending_moves = pd.DataFrame({"hh": pd.Series(dtype=np.int64), "day": pd.Series(dtype=np.int64),
                                           "council": pd.Series(dtype=bool), "leave": pd.Series(dtype=bool)})
        self.pool: dict[int, list[int]] = {}

    # ---------------------------------------------------------------- dwellings
    def _refill_pool(self) -> None:
        vacant = np.where(self.occupant < 0)[0]
        vacant = vacant[self.dw_tenure[vacant] != TEMPORARY]
        vacant = self.rng.permutation(vacant)
        self.pool = {t: list(vacant[self.dw_tenure[vacant] == t]) for t in (OWNER, PRIVATE_RENT, COUNCIL)}
        self.freed = {t: [] for t in (OWNER, PRIVATE_RENT, COUNCIL)}

    def _take(self, tenures: np.ndarray, days: np.ndarray) -> np.ndarray:
        """One vacant dwelling per wanted tenure (falling back to any tenure); -1 when none is left.

        A home vacated this year is let again only to someone arriving after the day it was vacated,
        so two households never live in one home at once, and the year's moves keep the stock turning."""
        out = np.full(len(tenures), -1, dtype=np.int64)
        days = np.broadcast_to(days, len(tenures))
        for i, (t, d) in enumerate(zip(tenures.tolist(), days.tolist(), strict=True)):
            for choice in (t, PRIVATE_RENT, OWNER, COUNCIL):
                freed = self.freed.get(choice)
                if freed and freed[0][0] < d:
                    out[i] = heapq.heappop(freed)[1]
                    break
                if self.pool.get(choice):
                    out[i] = self.pool[choice].pop()
                    break
        return out

    def _vacate(self, dwellings: np.ndarray, days: np.ndarray) -> None:
        days = np.broadcast_to(days, dwellings.shape)
        keep = dwellings >= 0
        dwellings, days = dwellings[keep], days[keep]
        self.occupant[dwellings] = -1
        tenure = self.dw_tenure[dwellings]
        for dw, d, t in zip(dwellings.tolist(), days.tolist(), tenure.tolist(), strict=True):
            if t in self.freed:
                heapq.heappush(self.freed[t], (d, dw))

    # ---------------------------------------------------------------- records
    def _person_event(self, pids, days, hh, dw) -> None:
        n = len(pids)
        self.person_events.append((np.asarray(pids, np.int64), np.broadcast_to(days, n).astype(np.int64),
                                   np.broadcast_to(hh, n).astype(np.int64), np.broadcast_to(dw, n).astype(np.int64)))
        self.P._cols["last"][pids] = days

    def _hh_event(self, hh, days, dw) -> None:
        n = len(hh)
        self.hh_events.append((np.asarray(hh, np.int64), np.broadcast_to(days, n).astype(np.int64),
                               np.broadcast_to(dw, n).astype(np.int64)))

    def _members(self, hh: np.ndarray) -> np.ndarray:
        P = self.P
        return np.where(P.present & np.isin(P.hh, hh))[0]

    def _hh_last(self, hh: np.ndarray) -> np.ndarray:
        """Latest event day of any present member, per household in ``hh``."""
        P = self.P
        m = self._members(hh)
        last = pd.Series(P.last[m]).groupby(P.hh[m]).max()
        return last.reindex(hh).fillna(0).to_numpy().astype(np.int64)

    def _head_age(self, hh: np.ndarray, on: int) -> np.ndarray:
        P = self.P
        heads = np.where(P.present & (P.role == HEAD))[0]
        dob = pd.Series(P.dob[heads]).groupby(P.hh[heads]).min()
        return (on - dob.reindex(hh).fillna(on - 40 * 365.25).to_numpy()) / 365.25

    def _event_days(self, last: np.ndarray, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        drawn = self.rng.integers(lo, hi + 1, len(last))
        days = np.maximum(drawn, last + 1)
        return days, days <= hi

    # ---------------------------------------------------------------- people
    def _names(self, origin: np.ndarray, sex: np.ndarray) -> np.ndarray:
        out = np.empty(len(origin), dtype=object)
        for o, oname in enumerate(names.ORIGINS):
            for s in (F, M):
                idx = np.where((origin == o) & (sex == s))[0]
                if idx.size:
                    # Evenly: a Zipf law over lists this short would make the first names too common.
                    pool = names.FORENAMES[oname][s]
                    out[idx] = np.array(pool, dtype=object)[self.rng.integers(0, len(pool), idx.size)]
        return out

    def _surnames(self, origin: np.ndarray) -> np.ndarray:
        out = np.empty(len(origin), dtype=object)
        tail = np.array(names.ENGLISH_SURNAME_TAIL, dtype=object)
        for o, oname in enumerate(names.ORIGINS):
            idx = np.where(origin == o)[0]
            if idx.size:
                pool = names.SURNAMES[oname]
                out[idx] = np.array(pool, dtype=object)[self.rng.choice(len(pool), idx.size, p=names.commonest_first_weights(len(pool)))]
                # The long tail is spread evenly: each of its names is rare.
                from_tail = self.rng.random(idx.size) < names.SURNAME_TAIL_SHARE.get(oname, 0.0)
                out[idx[from_tail]] = tail[self.rng.integers(0, tail.size, from_tail.sum())]
        return out

    def _ethnicity(self, origin: np.ndarray) -> np.ndarray:
        out = np.empty(len(origin), dtype=object)
        for o, oname in enumerate(names.ORIGINS):
            idx = np.where(origin == o)[0]
            if idx.size:
                codes, w = zip(*names.ORIGIN_ETHNICITY[oname], strict=True)
                out[idx] = np.array(codes, dtype=object)[self.rng.choice(len(codes), idx.size, p=np.array(w) / sum(w))]
        return out

    def _origins(self, n: int) -> np.ndarray:
        w = np.array(names.ORIGIN_WEIGHTS)
        return self.rng.choice(len(w), n, p=w / w.sum()).astype(np.int8)

    def _new_households(self, n: int, lo: int, hi: int, migrant: bool) -> int:
        """Create ``n`` households arriving between days lo..hi, each into a vacant dwelling.

        Returns the number of people created."""
        rng = self.rng
        w = np.array([k[2] if migrant else k[1] for k in KINDS])
        kind = rng.choice(len(KINDS), n, p=w / w.sum())
        kname = np.array([k[0] for k in KINDS])[kind]
        arrive = rng.integers(lo, hi + 1, n)
        ref_day = arrive if migrant else np.full(n, lo)
        origin = self._origins(n)

        age_head = np.select(
            [kname == "single_young", kname == "single_mid", kname == "single_old", kname == "couple",
             kname == "couple_old", kname == "sharers"],
            [rng.uniform(18, 40, n), rng.uniform(40, 70, n), np.minimum(65 + rng.exponential(11, n), 102),
             rng.uniform(21, 70, n), np.minimum(65 + rng.exponential(8, n), 97), rng.uniform(19, 34, n)], 0.0)
        # Parents' ages follow from their eldest child's, so children are spread evenly over 0-17 (plus a
        # few grown-up ones still at home) rather than crowding into the first years of life.
        with_kids = np.isin(kname, ["family", "lone_parent"])
        eldest = np.where(rng.random(n) < 0.85, rng.uniform(0, 17.5, n), rng.uniform(17.5, 25, n))
        age_at_first = np.clip(rng.normal(29.5, 5.5, n), 19, 44)
        age_head = np.where(with_kids, eldest + age_at_first + np.where(kname == "family", 1.5, 0.0), age_head)
        has_partner = np.isin(kname, ["couple", "couple_old", "family"])
        same_sex = has_partner & (rng.random(n) < 0.03)
        head_sex = np.where(has_partner, M, np.where(kname == "lone_parent", np.where(rng.random(n) < 0.9, F, M),
                            np.where(kname == "single_old", np.where(rng.random(n) < 0.65, F, M), rng.integers(0, 2, n))))
        head_sex = np.where(same_sex, rng.integers(0, 2, n), head_sex)
        n_kids = np.where(kname == "family", 1 + rng.binomial(3, 0.3, n), np.where(kname == "lone_parent", 1 + rng.binomial(2, 0.3, n), 0))
        n_others = np.where(kname == "sharers", 1 + rng.binomial(1, 0.4, n), 0)

        # Dwellings: families prefer houses; council homes go to the poorer households.
        base = rng.normal(0, 0.9, n) + np.where(kname == "lone_parent", 0.5, 0) + np.where(np.isin(kname, ["single_old", "couple_old"]), -0.2, 0)
        want = np.where(base > 0.8, COUNCIL, np.where(base > -0.2, PRIVATE_RENT, OWNER))
        want = np.where((want == OWNER) & migrant & (rng.random(n) < 0.5), PRIVATE_RENT, want)
        dwelling = self._take(want, arrive)
        ok = dwelling >= 0
        if not ok.all():
            keep = np.where(ok)[0]
            kind, kname, arrive, ref_day, origin, age_head, eldest, has_partner, same_sex, head_sex, n_kids, n_others, base, dwelling = (
                a[keep] for a in (kind, kname, arrive, ref_day, origin, age_head, eldest, has_partner, same_sex, head_sex,
                                  n_kids, n_others, base, dwelling))
            n = keep.size
        if n == 0:
            return 0
        base = base + 0.6 * self.dw_dep[dwelling] + np.where(self.dw_tenure[dwelling] == COUNCIL, 0.5, 0)
        hh_ids = self.H.append(dwelling=dwelling, active=np.ones(n, bool), base=base, created=arrive)
        self.occupant[dwelling] = hh_ids
        self.stress_now = np.concatenate([self.stress_now, base + rng.normal(0, 0.6, n)])

        # --- heads
        head_surname = self._surnames(origin)
        head_dob = ref_day - (age_head * 365.25).astype(np.int64) - rng.integers(0, 365, n)
        heads = {"sex": head_sex.astype(np.int8), "dob": head_dob, "forename": self._names(origin, head_sex),
                     "surname": head_surname, "birth_surname": head_surname, "origin": origin,
                     "ethnicity": self._ethnicity(origin), "hh": hh_ids, "role": np.full(n, HEAD, np.int8)}
        # --- partners
        pi = np.where(has_partner)[0]
        p_sex = np.where(same_sex[pi], head_sex[pi], 1 - head_sex[pi])
        p_origin = np.where(rng.random(pi.size) < 0.85, origin[pi], self._origins(pi.size))
        p_age = np.maximum(18, age_head[pi] + rng.normal(-2, 3, pi.size))
        p_birth_surname = self._surnames(p_origin)
        takes_name = (p_sex == F) & (head_sex[pi] == M) & (rng.random(pi.size) < 0.75)
        partners = {"sex": p_sex.astype(np.int8), "dob": ref_day[pi] - (p_age * 365.25).astype(np.int64) - rng.integers(0, 365, pi.size),
                        "forename": self._names(p_origin, p_sex), "surname": np.where(takes_name, head_surname[pi], p_birth_surname),
                        "birth_surname": p_birth_surname, "origin": p_origin.astype(np.int8), "ethnicity": self._ethnicity(p_origin),
                        "hh": hh_ids[pi], "role": np.full(pi.size, PARTNER, np.int8)}
        surname_changed = np.where(takes_name, SIM_START - rng.integers(200, 8000, pi.size), NEVER)
        # --- children
        ki = np.repeat(np.arange(n), n_kids)
        first_of = np.repeat(np.cumsum(n_kids) - n_kids, n_kids)
        # Younger siblings follow every few years; a family whose eldest is small has had fewer yet.
        gap = np.where(np.arange(ki.size) == first_of, 0.0, rng.gamma(4.0, 0.7, ki.size))
        cum = np.cumsum(gap)
        k_age = eldest[ki] - (cum - cum[first_of])
        born = k_age >= 0
        ki, k_age = ki[born], k_age[born]
        n_kids = np.bincount(ki, minlength=n)
        k_rank = np.arange(ki.size) - np.repeat(np.cumsum(n_kids) - n_kids, n_kids)
        k_dob = ref_day[ki] - (k_age * 365.25).astype(np.int64)
        k_sex = rng.integers(0, 2, ki.size)
        partner_origin = np.full(n, -1)
        partner_origin[pi] = p_origin
        mixed = (partner_origin[ki] >= 0) & (partner_origin[ki] != origin[ki])
        k_eth = self._ethnicity(origin[ki])
        k_eth[mixed] = np.array(names.MIXED_ETHNICITY, dtype=object)[rng.integers(0, 4, mixed.sum())]
        lone_other_father = (kname[ki] == "lone_parent") & (rng.random(ki.size) < 0.4)
        k_surname = np.where(lone_other_father, self._surnames(origin[ki]), head_surname[ki])
        k_fore = self._names(origin[ki], k_sex)
        # Twins: the second child of some families shares the first's birthday.
        twin = (k_rank == 1) & (rng.random(ki.size) < 0.03)
        twin_of_local = np.where(twin, np.arange(ki.size) - 1, -1)
        k_dob = np.where(twin, np.roll(k_dob, 1), k_dob)
        for i in np.where(twin)[0]:  # parents do not give twins one name
            while k_fore[i] == k_fore[i - 1]:
                k_fore[i] = self._names(origin[ki[i : i + 1]], k_sex[i : i + 1])[0]
        # Juniors: a son given his father's forename.
        father_local = np.full(n, -1)
        father_local[pi] = np.where(p_sex == M, pi, -1)
        head_is_father = has_partner & (head_sex == M)
        junior = (k_sex == M) & head_is_father[ki] & (rng.random(ki.size) < 0.02)
        k_fore = np.where(junior, heads["forename"][ki], k_fore)
        kids = {"sex": k_sex.astype(np.int8), "dob": k_dob, "forename": k_fore, "surname": k_surname, "birth_surname": k_surname,
                    "origin": origin[ki], "ethnicity": k_eth, "hh": hh_ids[ki], "role": np.full(ki.size, CHILD, np.int8)}
        # --- sharers
        oi = np.repeat(np.arange(n), n_others)
        o_origin = self._origins(oi.size)
        o_sex = rng.integers(0, 2, oi.size)
        o_sur = self._surnames(o_origin)
        others = {"sex": o_sex.astype(np.int8), "dob": ref_day[oi] - (rng.uniform(19, 36, oi.size) * 365.25).astype(np.int64),
                      "forename": self._names(o_origin, o_sex), "surname": o_sur, "birth_surname": o_sur, "origin": o_origin,
                      "ethnicity": self._ethnicity(o_origin), "hh": hh_ids[oi], "role": np.full(oi.size, OTHER, np.int8)}

        P = self.P
        h_ids = P.append(**heads)
        p_ids = P.append(**partners)
        P._cols["surname_changed"][p_ids] = surname_changed
        P._cols["partner"][h_ids[pi]] = p_ids
        P._cols["partner"][p_ids] = h_ids[pi]
        k_ids = P.append(**kids)
        o_ids = P.append(**others)
        head_of = h_ids
        partner_of = np.full(n, -1)
        partner_of[pi] = p_ids
        head_f = head_sex == F
        mother = np.where(head_f, head_of, np.where(partner_of >= 0, partner_of, -1))
        mother = np.where((partner_of >= 0) & (head_sex == F) & (np.isin(np.arange(n), pi)), head_of, mother)
        father = np.where(head_sex == M, head_of, np.where(partner_of >= 0, partner_of, -1))
        P._cols["mother"][k_ids] = np.where(lone_other_father | True, mother[ki], -1)
        P._cols["father"][k_ids] = np.where(lone_other_father, -1, np.where(kname[ki] == "lone_parent", np.where(head_sex[ki] == M, head_of[ki], -1), father[ki]))
        P._cols["twin_of"][k_ids[twin]] = k_ids[twin_of_local[twin]]
        P._cols["junior_of"][k_ids[junior]] = head_of[ki[junior]]
        all_ids = np.concatenate([h_ids, p_ids, k_ids, o_ids])
        all_hh_local = np.concatenate([np.arange(n), pi, ki, oi])
        days = arrive[all_hh_local]
        P._cols["present"][all_ids] = True
        P._cols["arrived"][all_ids] = days
        self._person_event(all_ids, days, hh_ids[all_hh_local], dwelling[all_hh_local])
        self._hh_event(hh_ids, arrive, dwelling)
        return all_ids.size

    def _repair(self, touched: np.ndarray, days: pd.Series) -> None:
        """After people leave households: promote a new head, end households left empty."""
        P, H = self.P, self.H
        touched = np.unique(touched)
        m = self._members(touched)
        occupied = np.unique(P.hh[m])
        empty = np.setdiff1d(touched, occupied)
        empty = empty[H.active[empty]]
        if empty.size:
            end_days = days.groupby(level=0).max().reindex(empty).to_numpy().astype(np.int64)
            H._cols["active"][empty] = False
            self._vacate(H.dwelling[empty], end_days)
            self._hh_event(empty, end_days, -1)
        # Households whose head is gone: the partner, else the oldest member, becomes head.
        heads = m[P.role[m] == HEAD]
        headless = np.setdiff1d(occupied, P.hh[heads])
        if headless.size:
            mm = m[np.isin(P.hh[m], headless)]
            order = np.lexsort((P.dob[mm], P.role[mm] != PARTNER, P.hh[mm]))
            mm = mm[order]
            first = mm[np.r_[True, P.hh[mm][1:] != P.hh[mm][:-1]]]
            P._cols["role"][first] = HEAD
        # Partners whose partner left or died are single again.
        partners = P.partner[m]
        lost = (partners >= 0)
        lost_idx = m[lost]
        gone = ~P.present[partners[lost]] | (P.hh[partners[lost]] != P.hh[lost_idx])
        P._cols["partner"][lost_idx[gone]] = -1

    def _remove_people(self, pids: np.ndarray, days: np.ndarray, died: bool) -> None:
        P = self.P
        if died:
            P._cols["died"][pids] = days
        else:
            P._cols["left"][pids] = days
        P._cols["present"][pids] = False
        hh = P.hh[pids].copy()
        self._person_event(pids, days, hh, -1)
        self._repair(hh, pd.Series(days, index=hh))

    # ---------------------------------------------------------------- the year
    def run(self, progress=None) -> Population:
        rng = self.rng
        self._refill_pool()
        int(self.residents / 2.3)
        made = 0
        while made < self.residents:
            batch = max(16, int((self.residents - made) / 2.3))
            before = made
            made += self._new_households(batch, SIM_START, SIM_START, migrant=False)
            if made == before:
                break
        for yi, year in enumerate(YEARS):
            lo, hi = year_start(year), year_start(year + 1) - 1
            if yi > 0:
                self._refill_pool()
            self.stress_by_year.append(self.stress_now.copy())
            self._deaths(lo, hi)
            self._births(lo, hi)
            self._approaches(lo, hi, year)
            self._leave_home(lo, hi)
            self._separations(lo, hi)
            self._couples(lo, hi)
            self._moves(lo, hi)
            self._emigration(lo, hi)
            target = int(self.residents * (1 + 0.006 * (yi + 1)))
            deficit = target - int(self.P.present.sum())
            if deficit > 0:
                self._new_households(max(1, int(deficit / 2.0)), lo, hi, migrant=True)
            # Financial stress persists: each household drifts around its own level.
            H = self.H
            n_h = H.n
            s = self.stress_now
            self.stress_now = H.base + 0.7 * (s - H.base[: s.size]) + rng.normal(0, 0.55, n_h)
        return self._finish()

    def _deaths(self, lo, hi):
        P = self.P
        alive = np.where(P.present)[0]
        age = (lo + 182 - P.dob[alive]) / 365.25
        q = np.minimum(0.6, np.exp(-10.4 + 0.095 * age)) + np.where(age < 1, 0.003, 0)
        die = alive[self.rng.random(alive.size) < q]
        days, ok = self._event_days(P.last[die], lo, hi)
        self._remove_people(die[ok], days[ok], died=True)

    def _births(self, lo, hi):
        P, rng = self.P, self.rng
        women = np.where(P.present & (P.sex == F) & np.isin(P.role, [HEAD, PARTNER]))[0]
        age = (lo + 182 - P.dob[women]) / 365.25
        rate = 0.2 * np.exp(-(((age - 31) / 6.5) ** 2)) * np.where(P.partner[women] >= 0, 1.0, 0.45)
        mothers = women[rng.random(women.size) < rate]
        days, ok = self._event_days(P.last[mothers], lo, hi)
        mothers, days = mothers[ok], days[ok]
        twins = rng.random(mothers.size) < 0.016
        mi = np.concatenate([np.arange(mothers.size), np.where(twins)[0]])
        mi.sort(kind="stable")
        mom = mothers[mi]
        bdays = days[mi]
        partner = P.partner[mom]
        father = np.where((partner >= 0) & (P.sex[np.maximum(partner, 0)] == M), partner, -1)
        sex = rng.integers(0, 2, mi.size)
        origin = P.origin[mom]
        fore = self._names(origin, sex)
        second_twin = np.r_[False, mi[1:] == mi[:-1]]
        # Twins sometimes get alike names (Jack and Jake): a hard negative for linkage.
        for i in np.where(second_twin)[0]:
            prev = fore[i - 1]
            if prev in names.SIMILAR_FORENAMES and rng.random() < 0.4:
                fore[i] = names.SIMILAR_FORENAMES[prev]
            while fore[i] == fore[i - 1]:
                fore[i] = self._names(origin[i : i + 1], sex[i : i + 1])[0]
        junior = (sex == M) & (father >= 0) & (rng.random(mi.size) < 0.015)
        fore = np.where(junior, P.forename[np.maximum(father, 0)], fore)
        surname = np.where(father >= 0, P.surname[np.maximum(father, 0)], P.surname[mom])
        eth = P.ethnicity[mom].copy()
        mixed = (father >= 0) & (P.origin[np.maximum(father, 0)] != origin)
        eth[mixed] = np.array(names.MIXED_ETHNICITY, dtype=object)[rng.integers(0, 4, mixed.sum())]
        ids = P.append(sex=sex.astype(np.int8), dob=bdays, forename=fore, surname=surname, birth_surname=surname,
                       origin=origin, ethnicity=eth, mother=mom, father=father, hh=P.hh[mom],
                       role=np.full(mi.size, CHILD, np.int8), present=np.ones(mi.size, bool), arrived=bdays,
                       born_here=np.ones(mi.size, bool))
        P._cols["twin_of"][ids[second_twin]] = ids[np.where(second_twin)[0] - 1]
        P._cols["junior_of"][ids[junior]] = father[junior]
        self._person_event(ids, bdays, P.hh[ids], self.H.dwelling[P.hh[ids]])

    def _approaches(self, lo, hi, year):
        """Households in financial stress approach the council as homeless; many then move."""
        H, rng = self.H, self.rng
        active = np.where(H.active)[0]
        s = self.stress_now[active]
        tenure = self.dw_tenure[H.dwelling[active]]
        mult = np.select([tenure == PRIVATE_RENT, tenure == COUNCIL], [1.6, 1.0], 0.25)
        p = np.minimum(0.5, 0.0042 * np.exp(1.05 * s) * mult)
        hh = active[rng.random(active.size) < p]
        if hh.size == 0:
            return
        days, ok = self._event_days(self._hh_last(hh), lo, hi)
        hh, days = hh[ok], days[ok]
        t = self.dw_tenure[H.dwelling[hh]]
        reason = np.empty(hh.size, dtype=object)
        for ten, options in HOMELESS_REASONS_BY_TENURE.items():
            idx = np.where(t == ten)[0]
            labels, w = zip(*options, strict=True)
            reason[idx] = np.array(labels, dtype=object)[rng.choice(len(labels), idx.size, p=np.array(w) / sum(w))]
        prevention = rng.random(hh.size) < 0.55
        moves = rng.random(hh.size) < np.where(prevention, 0.45, 0.8)
        wait = np.where(prevention, rng.integers(20, 120, hh.size), rng.integers(10, 300, hh.size))
        move_day = np.where(moves, days + wait, NEVER)
        leave = moves & (rng.random(hh.size) < 0.25)
        self.approach_rows.append(pd.DataFrame({
            "household_id": hh, "approach_day": days, "dwelling": H.dwelling[hh], "tenure": t,
            "reason": reason, "prevention": prevention, "move_day": move_day, "leaves_borough": leave,
            "stress": self.stress_now[hh],
        }))
        pend = pd.DataFrame({"hh": hh[moves], "day": move_day[moves], "council": ~leave[moves], "leave": leave[moves]})
        self.pending_moves = pd.concat([self.pending_moves, pend], ignore_index=True)

    def _new_single_households(self, pids: np.ndarray, days: np.ndarray, base: np.ndarray) -> np.ndarray:
        """Move each person into a new one-person household; returns a mask of who found a home."""
        P = self.P
        dw = self._take(np.where(base > 0.8, COUNCIL, PRIVATE_RENT), days)
        ok = dw >= 0
        pids, days, dw, base = pids[ok], days[ok], dw[ok], base[ok]
        if pids.size:
            old_hh = P.hh[pids].copy()
            new = self.H.append(dwelling=dw, active=np.ones(pids.size, bool), base=base, created=days)
            self.occupant[dw] = new
            self.stress_now = np.concatenate([self.stress_now, base + self.rng.normal(0, 0.5, pids.size)])
            P._cols["hh"][pids] = new
            P._cols["role"][pids] = HEAD
            P._cols["partner"][pids] = -1
            self._person_event(pids, days, new, dw)
            self._hh_event(new, days, dw)
            self._repair(old_hh, pd.Series(days, index=old_hh))
        return ok

    def _leave_home(self, lo, hi):
        P, rng = self.P, self.rng
        kids = np.where(P.present & (P.role == CHILD))[0]
        age = (lo + 182 - P.dob[kids]) / 365.25
        go = kids[(age >= 18) & (age <= 32) & (rng.random(kids.size) < np.where(age > 25, 0.25, 0.12))]
        days, ok = self._event_days(P.last[go], lo, hi)
        go, days = go[ok], days[ok]
        away = rng.random(go.size) < 0.45
        self._remove_people(go[away], days[away], died=False)
        stay, sdays = go[~away], days[~away]
        found = self._new_single_households(stay, sdays, self.H.base[P.hh[stay]] * 0.5 + rng.normal(0, 0.7, stay.size))
        self._remove_people(stay[~found], sdays[~found], died=False)

    def _separations(self, lo, hi):
        P, rng = self.P, self.rng
        heads = np.where(P.present & (P.role == HEAD) & (P.partner >= 0))[0]
        split = heads[rng.random(heads.size) < 0.015]
        partner = P.partner[split]
        leaver = np.where(P.sex[split] == M, split, partner)
        days, ok = self._event_days(np.maximum(P.last[split], P.last[partner]), lo, hi)
        leaver, days = leaver[ok], days[ok]
        P._cols["partner"][P.partner[leaver]] = -1
        away = rng.random(leaver.size) < 0.35
        self._remove_people(leaver[away], days[away], died=False)
        stay, sdays = leaver[~away], days[~away]
        hh = P.hh[leaver]
        self.H._cols["base"][hh] += 0.3  # one income fewer
        found = self._new_single_households(stay, sdays, self.H.base[P.hh[stay]] - 0.3)
        self._remove_people(stay[~found], sdays[~found], died=False)

    def _couples(self, lo, hi):
        P, H, rng = self.P, self.H, self.rng
        present = np.where(P.present)[0]
        size = np.bincount(P.hh[present], minlength=H.n)
        singles = present[(size[P.hh[present]] == 1)]
        age = (lo + 182 - P.dob[singles]) / 365.25
        seek = singles[(age >= 20) & (age <= 48) & (rng.random(singles.size) < 0.07)]
        women = rng.permutation(seek[P.sex[seek] == F])
        men = rng.permutation(seek[P.sex[seek] == M])
        k = min(women.size, men.size)
        women, men = women[:k], men[:k]
        days, ok = self._event_days(np.maximum(P.last[women], P.last[men]), lo, hi)
        women, men, days = women[ok], men[ok], days[ok]
        woman_moves = rng.random(women.size) < 0.6
        joiner = np.where(woman_moves, women, men)
        host = np.where(woman_moves, men, women)
        old_hh = P.hh[joiner].copy()
        new_hh = P.hh[host]
        P._cols["hh"][joiner] = new_hh
        P._cols["role"][joiner] = PARTNER
        P._cols["partner"][joiner] = host
        P._cols["partner"][host] = joiner
        self._person_event(joiner, days, new_hh, H.dwelling[new_hh])
        takes = rng.random(women.size) < 0.6
        w = women[takes]
        P._cols["surname"][w] = P.surname[men[takes]]
        P._cols["surname_changed"][w] = days[takes]
        H._cols["base"][new_hh] = (H.base[new_hh] + H.base[old_hh]) / 2 - 0.2
        self._repair(old_hh, pd.Series(days, index=old_hh))

    def _moves(self, lo, hi):
        P, H, rng = self.P, self.H, self.rng
        active = np.where(H.active)[0]
        tenure = self.dw_tenure[H.dwelling[active]]
        p = np.select([tenure == PRIVATE_RENT, tenure == OWNER], [0.11, 0.04], 0.03)
        movers = active[rng.random(active.size) < p]
        days, ok = self._event_days(self._hh_last(movers), lo, hi)
        movers, days = movers[ok], days[ok]
        want = np.where(rng.random(movers.size) < 0.7, self.dw_tenure[H.dwelling[movers]], rng.integers(0, 3, movers.size))
        # Moves after a homelessness approach that fall in this year.
        pm = self.pending_moves
        due = pm[(pm["day"] <= hi)]
        self.pending_moves = pm[pm["day"] > hi].reset_index(drop=True)
        due = due.drop_duplicates("hh")
        due = due[H.active[due["hh"].to_numpy()] & ~np.isin(due["hh"].to_numpy(), movers)]
        due_hh = due["hh"].to_numpy().astype(np.int64)
        due_day = np.maximum(due["day"].to_numpy().astype(np.int64), self._hh_last(due_hh) + 1)
        keep = due_day <= hi
        leave = due["leave"].to_numpy()[keep]
        due_hh, due_day = due_hh[keep], due_day[keep]
        self._emigrate_households(due_hh[leave], due_day[leave])
        movers = np.concatenate([due_hh[~leave], movers])
        days = np.concatenate([due_day[~leave], days])
        want = np.concatenate([np.full((~leave).sum(), COUNCIL), want])
        dw = self._take(want, days)
        ok = dw >= 0
        movers, days, dw = movers[ok], days[ok], dw[ok]
        self._vacate(H.dwelling[movers], days)
        H._cols["dwelling"][movers] = dw
        self.occupant[dw] = movers
        self._hh_event(movers, days, dw)
        m = self._members(movers)
        day_of = pd.Series(days, index=movers)
        self._person_event(m, day_of.reindex(P.hh[m]).to_numpy(), P.hh[m], H.dwelling[P.hh[m]])

    def _emigrate_households(self, hh: np.ndarray, days: np.ndarray) -> None:
        P, H = self.P, self.H
        if hh.size == 0:
            return
        m = self._members(hh)
        day_of = pd.Series(days, index=hh)
        mdays = day_of.reindex(P.hh[m]).to_numpy()
        P._cols["left"][m] = mdays
        P._cols["present"][m] = False
        self._person_event(m, mdays, P.hh[m], -1)
        H._cols["active"][hh] = False
        self._vacate(H.dwelling[hh], days)
        self._hh_event(hh, days, -1)

    def _emigration(self, lo, hi):
        H, rng = self.H, self.rng
        active = np.where(H.active)[0]
        tenure = self.dw_tenure[H.dwelling[active]]
        p = np.select([tenure == PRIVATE_RENT, tenure == OWNER], [0.08, 0.03], 0.015)
        # Older households rarely move away; young renters often do.
        age = self._head_age(active, lo + 182)
        p = p * np.interp(age, [18, 30, 45, 65, 75], [1.3, 1.2, 0.9, 0.5, 0.3])
        go = active[rng.random(active.size) < p]
        days, ok = self._event_days(self._hh_last(go), lo, hi)
        self._emigrate_households(go[ok], days[ok])

    # ---------------------------------------------------------------- results
    def _finish(self) -> Population:
        P, H = self.P, self.H
        rng = self.rng
        n = P.n
        people = pd.DataFrame({c: getattr(P, c).copy() for c in (
            "sex", "dob", "forename", "surname", "birth_surname", "surname_changed", "origin", "ethnicity",
            "mother", "father", "twin_of", "junior_of", "arrived", "died", "left", "born_here")})
        people.insert(0, "person_id", np.arange(n))
        people["nhs_number"] = identifiers.nhs_numbers(rng, n).astype(str)
        has_ni = people["dob"].to_numpy() <= day("2009-12-31")
        ni = np.full(n, "", dtype=object)
        ni[has_ni] = identifiers.ni_numbers(rng, int(has_ni.sum()))
        people["ni_number"] = ni
        dob = people["dob"].to_numpy()
        school_age = (dob >= day("1998-09-01")) & (dob <= day("2021-08-31"))
        upn = np.full(n, "", dtype=object)
        entry = (dob[school_age] // 365.25 + 1970 + 4).astype(int)
        upn[school_age] = identifiers.upns(rng, int(school_age.sum()), LA_CODE, entry)
        people["upn"] = upn

        spells = _spells(self.person_events, ("person_id", "day", "household_id", "dwelling"))
        hh_spells = _spells(self.hh_events, ("household_id", "day", "dwelling"))
        years = len(self.stress_by_year)
        stress = np.zeros((H.n, years), dtype=np.float32)
        for i, s in enumerate(self.stress_by_year):
            stress[: s.size, i] = s
            stress[s.size :, i] = np.nan
        approaches = pd.concat(self.approach_rows, ignore_index=True) if self.approach_rows else pd.DataFrame()
        return Population(people=people, spells=spells, household_spells=hh_spells, stress=stress, approaches=approaches)


def _spells(events: list[tuple[np.ndarray, ...]], cols: tuple[str, ...]) -> pd.DataFrame:
    """Turn 'from this day, lives here' events into spells with an exclusive end day."""
    arrays = [np.concatenate([e[i] for e in events]) for i in range(len(cols))]
    seq = np.arange(arrays[0].size)
    df = pd.DataFrame(dict(zip(cols, arrays, strict=True)))
    df["_seq"] = seq
    key = cols[0]
    df = df.sort_values([key, "day", "_seq"], kind="stable").reset_index(drop=True)
    nxt = df["day"].shift(-1)
    same = df[key].shift(-1) == df[key]
    df["end"] = np.where(same, nxt, NEVER).astype(np.int64)
    df = df[(df["dwelling"] >= 0) & (df["end"] > df["day"])].rename(columns={"day": "start"})
    return df.drop(columns="_seq").reset_index(drop=True)


def simulate(rng: np.random.Generator, borough: Borough, residents: int) -> Population:
    return _Sim(rng, borough, residents).run()
