"""The examples in examples/, each run at small size (birth_life_huber.py is tested in
test_seed.py, scipy_minimize.py in test_interop.py)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradarray as ga

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

pytest.importorskip("matplotlib")


def load_example(name: str):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_png(path: str | Path) -> None:
    with open(path, "rb") as f:
        assert f.read(8) == PNG_MAGIC
    assert os.path.getsize(path) > 10_000  # a real plot, not an empty canvas


def test_logistic_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    out = load_example("logistic_digits").main(["--quick", "--out-dir", str(tmp_path)])
    assert len(out["train_loss"]) == 20
    assert out["train_loss"][0] == pytest.approx(np.log(10))  # zero weights: uniform softmax
    assert out["train_loss"][-1] < 0.6 * out["train_loss"][0]
    assert all(a > b for a, b in zip(out["train_loss"], out["train_loss"][1:]))
    assert out["accuracy"] > 0.8
    assert out["plot"] == str(tmp_path / "logistic_digits.png")
    assert_png(out["plot"])
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "Plot saved to" in printed


def test_logistic_digits_gradient_is_softmax_minus_onehot():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    example = load_example("logistic_digits")
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(7, 10)), rng.integers(0, 10, 7)
    g = ga.grad(example.cross_entropy)(logits, labels)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(g, (p - np.eye(10)[labels]) / 7, rtol=1e-12, atol=1e-15)


def test_mlp_digits(tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    out = load_example("mlp_digits").main(["--quick", "--out-dir", str(tmp_path)])
    assert len(out["test_accuracy"]) == 3
    assert out["batch_loss"][0] > 2.0  # about log(10) at initialisation
    assert out["test_loss"][-1] < 0.5
    assert out["test_accuracy"][-1] > 0.85
    assert_png(tmp_path / "mlp_digits.png")
    assert "final test accuracy" in capsys.readouterr().out


def test_newton_hessian(tmp_path, capsys):
    out = load_example("newton_hessian").main(["--quick", "--out-dir", str(tmp_path)])
    np.testing.assert_allclose(out["newton"], [1.0, 1.0], atol=1e-8)
    assert out["newton_steps"] < 40
    assert out["hvp_error"] < 1e-9
    np.testing.assert_allclose(out["newton_cg"], np.ones(50), atol=1e-6)
    assert out["grad_norms"][-1] < 1e-6
    assert np.linalg.norm(out["gd"] - 1) > 0.1  # 500 gradient steps are far from done
    assert_png(tmp_path / "newton_hessian.png")
    assert "Newton-CG" in capsys.readouterr().out


def test_newton_hessian_hvp_matches_hessian():
    example = load_example("newton_hessian")
    x = np.linspace(-1.0, 2.0, 7)
    v = np.arange(7.0) - 3
    hess = ga.hessian(example.rosenbrock)(x)
    np.testing.assert_allclose(example.hvp(example.rosenbrock, x, v), hess @ v, rtol=1e-12)
    # Rosenbrock's Hessian, first row by hand: d2f/dx0^2 = 1200 x0^2 - 400 x1 + 2
    assert float(hess[0, 0]) == pytest.approx(1200 * x[0] ** 2 - 400 * x[1] + 2)
    assert float(hess[0, 1]) == pytest.approx(-400 * x[0])


def test_example_runs_as_a_script(tmp_path):
    # As a newcomer runs it: from another directory, output in --out-dir.
    r = subprocess.run([sys.executable, str(EXAMPLES / "newton_hessian.py"), "--quick",
                        "--out-dir", str(tmp_path)], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Newton (ga.hessian): 22 steps" in r.stdout
    assert_png(tmp_path / "newton_hessian.png")


def test_distributed_fit(tmp_path):
    # A script run (its loss is pickled by value from __main__ for the worker processes).
    for name in ("distributed", "scipy", "sklearn"):
        pytest.importorskip(name)
    r = subprocess.run([sys.executable, str(EXAMPLES / "distributed_fit.py"), "--quick",
                        "--workers", "1,2", "--out-dir", str(tmp_path)], capture_output=True,
                       text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "[2 workers] iteration  10" in r.stdout, r.stdout
    finals = [float(line.split("final loss")[1].split(",")[0]) for line in r.stdout.splitlines()
              if "final loss" in line]
    assert len(finals) == 2 and finals[0] == pytest.approx(finals[1], rel=1e-9)
    assert finals[0] < 0.5 * np.log(10)     # from log(10) at zero weights
    assert_png(tmp_path / "distributed_fit.png")
