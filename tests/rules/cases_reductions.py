"""Cases for rules/reductions.py.

Order statistics (max, median, percentile, ...) are drawn with well-separated values, so
finite differences never straddle a tie; their tie convention is tested exactly in
tests/test_reductions_ties.py.  Products are also drawn with exact zeros.
"""

import math

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .harness import Case, arrays, positive, shapes

_a = arrays()
_a1 = arrays(min_dims=1)
_a2 = arrays(min_dims=2)
_m2 = arrays(min_dims=2, min_side=2)   # every axis >= 2: masks below leave each slice non-empty


@st.composite
def distinct(draw, min_dims=0, max_dims=3, min_side=1, max_side=4, shape=None):
    """Values at least 0.45 apart (no ties, no kinks within a finite-difference step)."""
    shape = draw(shapes(min_dims, max_dims, min_side, max_side)) if shape is None else shape
    size = math.prod(shape)
    perm = np.array(draw(st.permutations(range(size))), dtype=np.float64)
    noise = draw(hnp.arrays(np.float64, (size,), elements=st.floats(0.0, 0.1)))
    return ((perm + noise) * 0.5 - size / 4).reshape(shape)


# Products: |x| > 0.1 or exactly 0 (cumprod divides by x when no x is 0, and a tiny x
# such as 1e-100 makes its second derivative inaccurate).
_nz = arrays(away_from=[0.0])
_nz1 = arrays(min_dims=1, away_from=[0.0])
_nz2 = arrays(min_dims=2, min_side=2, away_from=[0.0])


@st.composite
def with_zeros(draw, min_dims=0, max_dims=3):
    """Arrays with some exact zeros (at least one when non-empty)."""
    x = draw(arrays(min_dims=min_dims, max_dims=max_dims, away_from=[0.0]))
    zero = draw(hnp.arrays(bool, x.shape))
    if x.size:
        zero.flat[draw(st.integers(0, x.size - 1))] = True
    return np.where(zero, 0.0, x)


def _mask(shape):
    """A fixed where= mask: True where the index sum is even (each slice of length >= 2
    keeps an element)."""
    return np.indices(shape).sum(0) % 2 == 0


def _nans(x):
    """``x`` with NaNs where the index sum is 1 mod 3 (no slice of length >= 2 all NaN)."""
    return np.where(np.indices(np.shape(x)).sum(0) % 3 == 1, np.nan, x)


_d = distinct()
_d1 = distinct(min_dims=1)
_d2 = distinct(min_dims=2)
_dn = distinct(min_dims=1, min_side=2)   # NaN cases: no all-NaN slice
_dn2 = distinct(min_dims=2, min_side=2)

CASES = [
    # ----- sums and means
    Case(np.sum, np.sum, (_a,), complex=True),
    Case(np.sum, lambda x: np.sum(x, axis=-1, keepdims=True), (_a1,), name="sum-axis-keepdims",
         complex=True),
    Case(np.sum, lambda x: np.sum(x, axis=(0, -1)), (_a2,), name="sum-axis-tuple"),
    Case(np.sum, lambda x: np.sum(x, axis=0, where=_mask(x.shape), initial=1.5), (_m2,),
         name="sum-where-initial"),
    Case(np.sum, lambda x: np.sum(x, dtype=np.complex128), (_a,), name="sum-dtype"),
    Case((np.add, "reduce"), lambda x: np.add.reduce(x), (_a1,), complex=True),
    Case((np.add, "reduce"), lambda x: np.add.reduce(x, axis=None, keepdims=True), (_a,),
         name="add.reduce-none-keepdims"),
    Case((np.add, "reduce"), lambda x: np.add.reduce(x, -1, where=_mask(x.shape)), (_m2,),
         name="add.reduce-where"),
    Case(np.nansum, lambda x: np.nansum(_nans(x), axis=0), (_m2,)),
    Case(np.mean, np.mean, (_a,), complex=True),
    Case(np.mean, lambda x: np.mean(x, axis=(0, 1), keepdims=True), (_a2,),
         name="mean-axis-tuple-keepdims"),
    Case(np.mean, lambda x: np.mean(x, axis=-1, where=_mask(x.shape)), (_m2,),
         name="mean-where"),
    Case(np.nanmean, lambda x: np.nanmean(_nans(x), axis=-1), (_m2,)),
    Case(np.nanmean, lambda x: np.nanmean(_nans(x), where=_mask(x.shape), keepdims=True),
         (_m2,), name="nanmean-where"),
    Case(np.trace, np.trace, (_a2,), complex=True),
    Case(np.trace, lambda x: np.trace(x, -1, 2, 0), (arrays(min_dims=3, max_dims=3),),
         name="trace-offset-axes"),
    # ----- variance
    Case(np.var, np.var, (_a,), complex=True),
    Case(np.var, lambda x: np.var(x, axis=0, ddof=1), (_m2,), name="var-ddof"),
    Case(np.var, lambda x: np.var(x, axis=-1, keepdims=True, where=_mask(x.shape)), (_m2,),
         name="var-where-keepdims"),
    Case(np.var, lambda x: np.var(x, axis=1, correction=1), (_m2,), name="var-correction"),
    # std has a kink where a slice is constant: distinct values
    Case(np.std, lambda x: np.std(x, axis=0), (_d1,), complex=True),
    Case(np.std, lambda x: np.std(x, axis=(0, 1), ddof=1, keepdims=True), (_dn2,),
         name="std-ddof-keepdims"),
    Case(np.std, lambda x: np.std(x, axis=0, where=_mask(x.shape)), (_dn2,), name="std-where"),
    Case(np.nanvar, lambda x: np.nanvar(_nans(x), axis=0), (_m2,)),
    Case(np.nanvar, lambda x: np.nanvar(_nans(x), ddof=1), (_m2,), name="nanvar-ddof"),
    Case(np.nanstd, lambda x: np.nanstd(_nans(x), axis=-1, keepdims=True), (_dn2,)),
    # ----- products (also with exact zeros: one, several)
    Case(np.prod, np.prod, (_nz,), complex=True),
    Case(np.prod, lambda x: np.prod(x, axis=-1), (with_zeros(min_dims=1),), name="prod-zeros",
         complex=True),
    Case(np.prod, lambda x: np.prod(x, axis=(0, 1), keepdims=True), (with_zeros(min_dims=2),),
         name="prod-zeros-axis-tuple"),
    Case(np.prod, lambda x: np.prod(x, axis=0, where=_mask(x.shape), initial=2.0), (_nz2,),
         name="prod-where-initial"),
    Case(np.prod, lambda x: np.prod(x, initial=-1.5), (with_zeros(),),
         name="prod-zeros-initial"),
    Case(np.nanprod, lambda x: np.nanprod(_nans(x), axis=0), (_nz2,)),
    Case((np.multiply, "reduce"), lambda x: np.multiply.reduce(x), (with_zeros(min_dims=1),),
         complex=True),
    # ----- extrema (ties: tests/test_reductions_ties.py)
    Case(np.max, np.max, (_d,)),
    Case(np.max, lambda x: np.max(x, axis=-1, keepdims=True), (_d1,), name="max-axis-keepdims"),
    Case(np.max, lambda x: np.max(x, axis=0, where=_mask(x.shape), initial=-100.0),
         (distinct(min_dims=2, min_side=2),), name="max-where"),
    Case(np.min, lambda x: np.min(x, axis=(0, -1)), (_d2,)),
    Case(np.amax, lambda x: np.amax(x, axis=0), (_d1,)),
    Case(np.amin, lambda x: np.amin(x, axis=-1), (_d1,)),
    Case(np.nanmax, lambda x: np.nanmax(_nans(x), axis=0), (_dn,)),
    Case(np.nanmin, lambda x: np.nanmin(_nans(x), axis=-1, keepdims=True), (_dn,)),
    Case(np.ptp, np.ptp, (_d,)),
    Case(np.ptp, lambda x: np.ptp(x, axis=0, keepdims=True), (_d1,), name="ptp-axis-keepdims"),
    Case((np.maximum, "reduce"), lambda x: np.maximum.reduce(x), (_d1,)),
    Case((np.minimum, "reduce"), lambda x: np.minimum.reduce(x, axis=-1, keepdims=True),
         (_d1,)),
    Case((np.fmax, "reduce"), lambda x: np.fmax.reduce(_nans(x), axis=0), (_dn,)),
    Case((np.fmin, "reduce"), lambda x: np.fmin.reduce(_nans(x), axis=None), (_dn,)),
    Case((np.logaddexp, "reduce"), lambda x: np.logaddexp.reduce(x, axis=-1), (_a1,)),
    Case((np.logaddexp2, "reduce"), lambda x: np.logaddexp2.reduce(x, axis=None), (_a,)),
    # ----- scans
    Case(np.cumsum, np.cumsum, (_a,), complex=True),
    Case(np.cumsum, lambda x: np.cumsum(x, axis=-1), (_a1,), name="cumsum-axis", complex=True),
    Case(np.cumprod, np.cumprod, (_nz,), complex=True),
    Case(np.cumprod, lambda x: np.cumprod(x, axis=0), (with_zeros(min_dims=1),),
         name="cumprod-zeros", complex=True),
    Case(np.nancumsum, lambda x: np.nancumsum(_nans(x), axis=0), (_m2,)),
    Case(np.nancumprod, lambda x: np.nancumprod(_nans(x), axis=-1), (_nz2,)),
    Case(np.cumulative_sum, lambda x: np.cumulative_sum(x, axis=0), (_a1,), complex=True),
    Case(np.cumulative_sum, lambda x: np.cumulative_sum(x, include_initial=True),
         (arrays(min_dims=1, max_dims=1),), name="cumulative_sum-initial"),
    Case(np.cumulative_prod, lambda x: np.cumulative_prod(x, axis=-1), (_nz1,), complex=True),
    Case(np.cumulative_prod, lambda x: np.cumulative_prod(x, axis=0, include_initial=True),
         (with_zeros(min_dims=1),), name="cumulative_prod-initial-zeros"),
    Case((np.add, "accumulate"), lambda x: np.add.accumulate(x), (_a1,), complex=True),
    Case((np.multiply, "accumulate"), lambda x: np.multiply.accumulate(x, axis=-1),
         (with_zeros(min_dims=1),), complex=True),
    Case((np.add, "reduceat"), lambda x: np.add.reduceat(x, [0, 2, 1, 3], axis=-1),
         (arrays((2, 4)),), complex=True),
    # ----- order statistics and averages
    Case(np.median, np.median, (_d,)),
    Case(np.median, lambda x: np.median(x, axis=(0, -1), keepdims=True), (_d2,),
         name="median-axis-keepdims"),
    Case(np.nanmedian, lambda x: np.nanmedian(_nans(x), axis=0), (_dn2,)),
    Case(np.percentile, lambda x: np.percentile(x, [10.0, 50.0, 95.0], axis=0), (_d1,)),
    Case(np.percentile, lambda x, q: np.percentile(x, q, axis=0),
         (distinct(shape=(5, 3)), arrays((2,), 5.0, 95.0, away_from=[25.0, 50.0, 75.0])),
         name="percentile-grad-q"),
    Case(np.quantile, lambda x: np.quantile(x, 0.3, axis=-1, keepdims=True), (_d1,)),
    Case(np.quantile, lambda x: np.quantile(x, [0.2, 0.7], method="hazen"), (_d,),
         name="quantile-hazen"),
    Case(np.quantile, lambda x: np.quantile(x, [0.2, 0.7], axis=0, method="nearest"), (_d1,),
         name="quantile-nearest"),
    Case(np.quantile, lambda x: np.quantile(x, [0.1, 0.5], method="midpoint"), (_d,),
         name="quantile-midpoint"),
    Case(np.quantile, lambda x: np.quantile(x, 0.4, method="inverted_cdf"), (_d,),
         name="quantile-inverted-cdf"),
    Case(np.quantile, lambda x, q: np.quantile(x, q, method="weibull"),
         (distinct(shape=(3,)), arrays((), 0.3, 0.45)),
         name="quantile-weibull-grad-q"),
    Case(np.nanpercentile, lambda x: np.nanpercentile(_nans(x), [20.0, 80.0], axis=-1),
         (_dn,)),
    Case(np.nanquantile, lambda x: np.nanquantile(_nans(x), 0.6, axis=0, keepdims=True),
         (_dn2,)),
    Case(np.average, np.average, (_a,), complex=True),
    Case(np.average, lambda x, w: np.average(x, axis=-1, weights=w),
         (arrays((3, 4)), positive((4,))), name="average-weights-axis"),
    Case(np.average, lambda x, w: np.average(x, axis=(1, 0), weights=w, keepdims=True),
         (arrays((2, 3)), positive((3, 2))), name="average-weights-axis-order"),
    Case(np.average, lambda x, w: np.average(x, weights=w, returned=True)[0],
         (arrays((2, 3)), positive((2, 3))), name="average-weights-returned"),
]
