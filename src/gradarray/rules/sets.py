"""Set operations on values: union1d, setdiff1d, setxor1d (composites), intersect1d (none).

The results are values of the inputs, picked by a recorded sort and boolean selections, so
each gets the gradient of the element it came from (of equal elements, the first in sorted
order).  intersect1d's values exist only where two inputs tie exactly: no gradient.
np.unique, np.bincount and np.histogram have no rule: on a recorded Tensor they raise
NoRuleError rather than return values (or weighted counts) whose gradient would be lost.
"""

from __future__ import annotations

import numpy as np

from ..registry import composite, nondiff


def _unique_sorted(a):
    """``np.unique(a)``'s values, as a recorded sort and selection (NaNs collapse to one)."""
    s = np.sort(np.ravel(a))
    if s.size < 2:
        return s
    first = np.ones_like(s, dtype=bool)
    first[1:] = (s[1:] != s[:-1]) & ~(np.isnan(s[1:]) & np.isnan(s[:-1]))
    return s[first]


@composite(np.union1d)
def union1d(ar1, ar2):
    return _unique_sorted(np.concatenate((np.ravel(ar1), np.ravel(ar2))))


@composite(np.setdiff1d)
def setdiff1d(ar1, ar2, assume_unique=False):
    if assume_unique:
        ar1 = np.ravel(ar1)
    else:
        ar1 = _unique_sorted(ar1)
    # ar2 is only tested for membership (no gradient): duplicates in it do not matter.
    return ar1[np.isin(ar1, ar2, invert=True)]


@composite(np.setxor1d)
def setxor1d(ar1, ar2, assume_unique=False):
    if not assume_unique:
        ar1, ar2 = _unique_sorted(ar1), _unique_sorted(ar2)
    aux = np.concatenate((np.ravel(ar1), np.ravel(ar2)))
    if aux.size == 0:
        return aux
    aux = np.sort(aux)
    alone = np.concatenate(([True], aux[1:] != aux[:-1], [True]))
    return aux[alone[1:] & alone[:-1]]


nondiff(np.intersect1d)
