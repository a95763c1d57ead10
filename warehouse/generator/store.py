"""A growable column store: numpy arrays with spare capacity, for the simulation's mutable state."""

from __future__ import annotations

import numpy as np


class Store:
    def __init__(self, spec: dict[str, tuple[object, object]], capacity: int = 1024):
        self._spec = spec
        self.n = 0
        self._cols = {name: np.full(capacity, fill, dtype=dtype) for name, (dtype, fill) in spec.items()}

    def __getattr__(self, name: str) -> np.ndarray:
        cols = self.__dict__.get("_cols")
        if cols is None or name not in cols:
            raise AttributeError(name)
        return cols[name][: self.n]

    def append(self, **values: np.ndarray) -> np.ndarray:
        k = len(next(iter(values.values())))
        need = self.n + k
        cap = len(next(iter(self._cols.values())))
        if need > cap:
            new_cap = max(need, int(cap * 1.5) + 1024)
            for name, (dtype, fill) in self._spec.items():
                grown = np.full(new_cap, fill, dtype=dtype)
                grown[: self.n] = self._cols[name][: self.n]
                self._cols[name] = grown
        for name, v in values.items():
            self._cols[name][self.n : need] = v
        ids = np.arange(self.n, need)
        self.n = need
        return ids
