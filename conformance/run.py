"""Run the data-apis array-api-tests suite against ``gradarray.array_api``.

The suite is not part of this repository: point ``ARRAY_API_TESTS_DIR`` at a checkout of
https://github.com/data-apis/array-api-tests (with its ``array-api`` submodule) at the
commit in ``SUITE_COMMIT``.  Usage::

    ARRAY_API_TESTS_DIR=/path/to/array-api-tests python conformance/run.py \
        [--max-examples 100] [--no-xfails] [-- extra pytest args]

Hypothesis is derandomized, the deadline is off, and the last line printed is
``conformance: P passed, F failed, S skipped (...)``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

SUITE_COMMIT = "55fcc60179efa2680ddd6cd926ddf17b83530e2b"  # 2026-04-03
SPEC_COMMIT = "5f847a3858875c682ae901aa22b0413bf24be9da"  # its array-api submodule
HERE = Path(__file__).resolve().parent
XFAILS = HERE / "xfails.txt"


def _commit(path: Path) -> str:
    try:
        return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    """Run the suite; return pytest's exit status."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-examples", type=int, default=100)
    p.add_argument("--no-xfails", action="store_true", help="run without conformance/xfails.txt")
    p.add_argument("--module", default="gradarray.array_api")
    p.add_argument("pytest_args", nargs="*", help="after --: passed to pytest (e.g. -k sort)")
    args = p.parse_args(argv)
    suite = os.environ.get("ARRAY_API_TESTS_DIR")
    if not suite or not (Path(suite) / "array_api_tests").is_dir():
        print("conformance: set ARRAY_API_TESTS_DIR to an array-api-tests checkout",
              file=sys.stderr)
        return 2
    suite_dir = Path(suite).resolve()
    commit = _commit(suite_dir)
    if commit != SUITE_COMMIT:
        print(f"warning: suite at {commit}, pinned {SUITE_COMMIT}", file=sys.stderr)
    env = dict(os.environ, ARRAY_API_TESTS_MODULE=args.module,
               ARRAY_API_TESTS_VERSION="2025.12")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pytest", "array_api_tests", "-q", "-p", "no:cacheprovider",
               "-o", "addopts=", f"--max-examples={args.max_examples}", "--derandomize",
               "--disable-deadline", "--json-report", f"--json-report-file={report}",
               "-p", "no:warnings", *args.pytest_args]
        if not args.no_xfails:
            cmd.append(f"--xfails-file={XFAILS}")
        rc = subprocess.run(cmd, cwd=suite_dir, env=env).returncode
        summary = json.loads(report.read_text())["summary"] if report.exists() else {}
    n = {k: summary.get(k, 0) for k in ("passed", "failed", "skipped", "xfailed", "xpassed",
                                           "error")}
    print(f"conformance: {n['passed']} passed, {n['failed']} failed, {n['skipped']} skipped "
          f"({n['xfailed']} xfailed, {n['xpassed']} xpassed, {n['error']} errors; "
          f"{args.module}, max-examples {args.max_examples}, suite {commit[:12]})")
    return rc


if __name__ == "__main__":
    sys.exit(main())
