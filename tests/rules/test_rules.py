"""Every derivative rule, checked against finite differences (orders 1-2) and NumPy's values."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradarray as ga
from gradarray.registry import RULES
from gradarray.testing import check_grads

from . import __name__ as _pkg

FAMILIES = {}
for _m in sorted(pkgutil.iter_modules(importlib.import_module(_pkg).__path__)):
    if _m.name.startswith("cases_"):
        FAMILIES[_m.name[len("cases_"):]] = importlib.import_module(f"{_pkg}.{_m.name}").CASES
CASES = [c for cases in FAMILIES.values() for c in cases]


def _draw(case, data):
    if case.tuple_inputs:
        return tuple(data.draw(case.inputs[0]))
    return tuple(data.draw(s) for s in case.inputs)


def _plain(x):
    return x.numpy() if isinstance(x, ga.Tensor) else np.asarray(x)


DTYPES = ["float64", "float32", "complex128"]


def check_case(case, dtype, data):
    if dtype == "float32" and not case.float32:
        pytest.skip("float32 not meaningful for this case")
    if dtype == "complex128" and not case.complex:
        pytest.skip("real-only rule")
    args = _draw(case, data)
    if dtype == "complex128":
        rng = np.random.default_rng(0)
        args = tuple(a + 0.5j * rng.uniform(0.2, 1.0, np.shape(a)) for a in args)
    else:
        args = tuple(np.asarray(a, dtype=dtype) for a in args)
    # Forward: same values as plain NumPy.
    expected = case.fn(*[np.array(a) for a in args])
    got = case.fn(*[ga.tensor(a) for a in args])
    exp = expected if not isinstance(expected, tuple) else expected[0]
    g = got if not isinstance(got, tuple) else got[0]
    np.testing.assert_allclose(_plain(g), exp, rtol=1e-6 if dtype != "float32" else 1e-5,
                               atol=1e-12)
    check_grads(case.fn, *args, order=case.order, modes=case.modes)


def _family_test(cases):
    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("case", cases, ids=str)
    @given(data=st.data())
    def test(case, dtype, data):
        check_case(case, dtype, data)

    return test


# One test function per family, not one for all cases: hypothesis' pytest plugin chains a
# new settings object onto the test function at every parametrized call, and ~1000 calls of
# one function overflow the recursion limit (hypothesis 6.155).
for _name, _cases in FAMILIES.items():
    globals()[f"test_rules_{_name}"] = _family_test(_cases)


def test_every_rule_has_a_case():
    covered = {c.key for c in CASES}
    missing = [RULES[k].name for k in RULES if k not in covered and not isinstance(k, str)]
    assert not missing, f"rules without a test case: {sorted(missing)}"
