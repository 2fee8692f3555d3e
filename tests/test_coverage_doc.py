"""docs/coverage.md is generated from the registry and current; the differentiable surface is
at least 250 NumPy callables."""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_coverage_table_is_current_and_large_enough():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import gen_coverage
    finally:
        sys.path.pop(0)
    text = gen_coverage.render()
    assert (ROOT / "docs" / "coverage.md").read_text() == text, \
        "docs/coverage.md is stale: run python scripts/gen_coverage.py"
    n = sum(1 for line in text.splitlines() if "| differentiable |" in line)
    assert n >= 250, f"only {n} NumPy callables are differentiable"


def test_generator_runs_as_a_script():
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_coverage.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
