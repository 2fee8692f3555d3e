"""The seed program reproduces the 2019 TensorFlow eager table (SEED.md)."""

import hashlib
import importlib.util
import os
from importlib import resources

import numpy as np
import pytest

import gradarray as ga
from gradarray import demo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "birth_life_huber.py")

# Mean Huber loss at epochs 0, 10, ..., 90 reported by the original (TF 1.x eager, float32).
TABLE = {0: 60.70, 10: 29.99, 20: 27.13, 30: 24.32, 40: 21.52, 50: 18.75, 60: 16.02,
         70: 13.38, 80: 10.83, 90: 8.41}


def load_example():
    spec = importlib.util.spec_from_file_location("birth_life_huber", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_bundled_data():
    data, n = demo.read_birth_life_data()
    assert n == 190 and data.shape == (190, 2) and data.dtype == np.float32
    raw = resources.files("gradarray").joinpath("data/birth_life_2010.txt").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == \
        "d50632dd7c3b8aa02d67245d8f13db341cdff812461b6e35cfa95b7174f513e4"
    readme = resources.files("gradarray").joinpath("data/README.md").read_text()
    assert "MIT License" in readme and "chiphuyen/stanford-tensorflow-tutorials" in readme
    np.testing.assert_allclose(data[0], [1.822, 74.828243902], rtol=1e-6)  # Vietnam


def test_example_reproduces_the_original_table():
    ex = load_example()
    data, _ = demo.read_birth_life_data()
    lines = []
    means, _ = ex.train(ex.huber_loss, data, epochs=100, log=lines.append)
    assert {e: round(m, 2) for e, m in means.items()} == TABLE
    assert ex.w.dtype == np.float32 and ex.b.dtype == np.float32
    assert float(ex.w) == pytest.approx(-2.0678, abs=1e-4)
    assert float(ex.b) == pytest.approx(71.9406, abs=1e-4)
    assert lines[0] == "Training; loss function: huber_loss"
    assert lines[1].startswith("Epoch 0: 60.70") and lines[-1].startswith("Took: ")


def test_example_uses_python_if_on_an_eager_value():
    ex = load_example()
    small = ex.huber_loss(np.float32(1.0), ga.tensor(np.float32(0.5)))
    large = ex.huber_loss(np.float32(5.0), ga.tensor(np.float32(1.0)))
    assert float(small) == 0.125 and float(large) == 3.5


def test_demo_run_first_epochs_and_plot(tmp_path, capsys):
    data, _ = demo.read_birth_life_data()
    means, w, b, took = demo.run(data, epochs=11, log=lambda s: None)
    assert {e: round(m, 2) for e, m in means.items()} == {0: TABLE[0], 10: TABLE[10]}
    assert w.dtype == np.float32 and took > 0
    pytest.importorskip("matplotlib")
    out = tmp_path / "plot.png"
    assert demo.main(["--epochs", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Epoch 0: 60.70" in printed and "Took:" in printed
    assert f"Plot saved to {out}" in printed
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_example_script_saves_its_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    ex = load_example()
    ex.main(["--epochs", "1", "--out-dir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert "Plot saved to" in printed
    assert (tmp_path / "birth_life_huber.png").exists()
