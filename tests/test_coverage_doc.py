"""docs/coverage.md is generated from the registry and current; the differentiable surface is
at least 250 NumPy callables."""

import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_coverage_table_is_current_and_large_enough():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_coverage
    finally:
        sys.path.pop(0)
    text = gen_coverage.render()
    doc = (ROOT / "docs" / "coverage.md").read_text()
    n = sum(1 for line in text.splitlines() if "| differentiable |" in line)
    if f"NumPy {np.__version__}:" not in doc:
        # The page is generated with the development NumPy; another NumPy adds or removes a
        # few callables (2.5 removed np.row_stack), so only the count is checked here.
        assert n >= 245, f"only {n} NumPy callables are differentiable with this NumPy"
        pytest.skip(f"docs/coverage.md is for another NumPy than {np.__version__}")
    assert doc == text, "docs/coverage.md is stale: run python scripts/gen_coverage.py"
    assert n >= 250, f"only {n} NumPy callables are differentiable"


def test_generator_runs_as_a_script():
    if f"NumPy {np.__version__}:" not in (ROOT / "docs" / "coverage.md").read_text():
        pytest.skip(f"docs/coverage.md is for another NumPy than {np.__version__}")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_coverage.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
