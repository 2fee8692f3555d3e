"""What a new user trips over (issue 13): each mistake gets a message that says what happened
and what to write instead, at the user's own line."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pytest

import gradarray as ga
from gradarray import demo

HERE = __file__


def _only(record, category):
    found = [w for w in record if issubclass(w.category, category)]
    assert len(found) == 1, [str(w.message) for w in record]
    return found[0]


# ----------------------------------------------------------------------------- integer Variable

def test_integer_variable_warns_at_the_call_and_apply_gradients_names_its_dtype():
    step = ga.Variable(0, name="step")
    with pytest.warns(UserWarning, match=r"step:0 has dtype int64.*ga\.Variable\(0\.0\)") as rec:
        value, gv = ga.implicit_value_and_gradients(lambda: step * 2.0)()   # the user's line
    w = _only(rec, UserWarning)
    assert w.filename == HERE and w.lineno == sys._getframe().f_lineno - 2
    assert gv[0][0] is None and gv[0][1] is step
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: "
                                         r"\['step:0'\]\. \(step:0 is int64: gradients exist "
                                         r"only for floating"):
        ga.train.GradientDescentOptimizer(0.1).apply_gradients(gv)


def test_integer_variable_in_compute_gradients_var_list_warns():
    n, x = ga.Variable(3, name="n"), ga.Variable(2.0)
    opt = ga.train.GradientDescentOptimizer(0.1)
    with pytest.warns(UserWarning, match="n:0 has dtype int64"):
        gv = opt.compute_gradients(lambda: x * n, var_list=[n, x])
    assert gv[0][0] is None and float(gv[1][0]) == 3.0


def test_float_and_untrainable_integer_variables_do_not_warn():
    x = ga.Variable(1.0)
    counter = ga.Variable(0, trainable=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ga.implicit_gradients(lambda: x * counter)()


# ----------------------------------------------------------------------------- np.random

def test_variable_as_a_parameter_of_np_random_is_reported():
    mu = ga.Variable(0.5, name="mu")
    rng = np.random.default_rng(0)
    with pytest.warns(ga.LostTapeWarning, match=r"mu:0 was converted.*np\.random.*"
                                                r"mu \+ rng\.normal\(0\.0, 1\.0, size\)") as rec:
        with pytest.raises(ValueError, match=r"No trainable variables.*np\.random.*mu \+ "):
            ga.implicit_gradients(lambda: np.sum(rng.normal(loc=mu, size=3)))()
    assert _only(rec, ga.LostTapeWarning).filename == HERE


def test_legacy_np_random_with_a_variable_warns_instead_of_a_silent_wrong_gradient():
    mu = ga.Variable(0.5, name="mu")
    np.random.seed(0)
    with pytest.warns(ga.LostTapeWarning, match="mu:0 was converted"):
        ga.implicit_gradients(lambda: np.sum(np.random.normal(mu, 1.0, size=4) + mu))()
    # The reparameterised form the message recommends gets the whole gradient.
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        [(g, _)] = ga.implicit_gradients(lambda: np.sum(mu + rng.normal(0.0, 1.0, 4)))()
    assert float(g) == 4.0


def test_float_of_a_variable_outside_a_gradient_does_not_warn():
    mu = ga.Variable(0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert float(mu) == 0.5
        assert isinstance(np.random.default_rng(0).normal(loc=mu), float)


# ----------------------------------------------------------------------------- transforms

@pytest.mark.parametrize("make", [
    lambda v: ga.grad(v), lambda v: ga.value_and_grad(v), lambda v: ga.jacobian(v),
    lambda v: ga.jacrev(v), lambda v: ga.jacfwd(v), lambda v: ga.hessian(v),
    lambda v: ga.vjp(v, 1.0), lambda v: ga.jvp(v, (1.0,), (1.0,)),
    lambda v: ga.gradients_function(v), lambda v: ga.value_and_gradients_function(v),
    lambda v: ga.implicit_gradients(v), lambda v: ga.implicit_value_and_gradients(v),
], ids=["grad", "value_and_grad", "jacobian", "jacrev", "jacfwd", "hessian", "vjp", "jvp",
        "gradients_function", "value_and_gradients_function", "implicit_gradients",
        "implicit_value_and_gradients"])
def test_a_transform_given_a_value_instead_of_a_function_refuses_at_once(make):
    f = lambda x: np.sum(x ** 2)
    with pytest.raises(TypeError, match=r"takes the function to differentiate, not its value: "
                                        r"got a float64 \(np\.float64\(4\.0\)\)"):
        make(f(2.0))


def test_grad_error_shows_the_right_call():
    with pytest.raises(TypeError, match=r"grad\(f\)\(x\), not grad\(f\(x\)\)$"):
        ga.grad(3.0)


@pytest.mark.parametrize("transform", [ga.grad, ga.value_and_grad, ga.jacobian, ga.jacfwd])
def test_keyword_only_call_says_pass_arguments_positionally(transform):
    f = lambda x: np.sum(x ** 2)
    with pytest.raises(TypeError, match="no positional arguments.*pass the differentiated "
                                        "arguments positionally"):
        transform(f)(x=np.ones(2))


# ----------------------------------------------------------------------------- apply_gradients

def test_apply_gradients_with_bare_gradients_shows_what_was_passed_and_how_to_pair():
    w = ga.Variable([1.0, 2.0])
    opt = ga.train.GradientDescentOptimizer(0.1)
    [(g, _)] = ga.implicit_gradients(lambda: np.sum(w ** 2))()
    with pytest.raises(TypeError, match=r"got a Tensor of shape \(2,\).*zip\(gradients, "
                                        r"variables\)"):
        opt.apply_gradients(g)
    with pytest.raises(TypeError, match=r"\(a list of 2 items\) is a Tensor of shape \(\).*"
                                        r"zip\(gradients, variables\)"):
        opt.apply_gradients([ga.tensor(1.0), ga.tensor(2.0)])
    with pytest.raises(TypeError, match=r"\(gradient, variable\), in that order"):
        opt.apply_gradients([(w, g)])
    opt.apply_gradients(zip([g], [w]))
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6])


# ----------------------------------------------------------------------------- warnings' lines

def test_integer_argument_warning_names_the_users_line():
    with pytest.warns(UserWarning, match="argument 0 has dtype int64") as rec:
        ga.gradients_function(lambda x: x * 2.0)(3)
    w = _only(rec, UserWarning)
    assert w.filename == HERE and w.lineno == sys._getframe().f_lineno - 2


def test_numpy_warning_inside_a_derivative_rule_names_the_users_line():
    # sqrt(0) is fine; its derivative 0.5 / sqrt(0) divides by zero, in rules/ufuncs.py.
    with pytest.warns(RuntimeWarning, match="divide by zero encountered while computing a "
                                            "gradient") as rec:
        g = ga.grad(np.sqrt)(0.0)
    w = _only(rec, RuntimeWarning)
    assert w.filename == HERE and w.lineno == sys._getframe().f_lineno - 2
    assert np.isinf(g)


@pytest.mark.parametrize("run", [
    lambda: ga.grad(np.sqrt)(0.0),
    lambda: ga.gradients_function(np.sqrt)(0.0),
    lambda: ga.vjp(np.sqrt, 0.0)[1](1.0),
    lambda: ga.implicit_gradients(lambda: np.sqrt(_ZERO))(),
], ids=["grad", "gradients_function", "vjp", "implicit_gradients"])
def test_users_numpy_error_settings_are_kept_in_backward(run):
    before = np.geterr()
    with np.errstate(divide="raise"):
        with pytest.raises(FloatingPointError):
            run()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            run()
    assert np.geterr() == before


_ZERO = ga.Variable(0.0)


def test_user_errcall_is_left_alone():
    calls = []
    with np.errstate(divide="call", call=lambda err, flag: calls.append(err)):
        ga.grad(np.sqrt)(0.0)
    assert calls == ["divide by zero"]


# ----------------------------------------------------------------------------- the demo

def test_demo_help_is_plain_text_with_every_option_explained(capsys):
    with pytest.raises(SystemExit):
        demo.main(["--help"])
    text = capsys.readouterr().out
    assert "``" not in text
    for option in ("--epochs", "--loss", "--out-dir", "--no-plot"):
        line = next(x for x in text.splitlines() if x.strip().startswith(option))
        assert len(line.split()) > 2 or option == "--loss", line   # has a help text
    assert "--out " not in text and "--out OUT" not in text   # the old name is hidden


def test_convergence_note_says_the_2019_settings_have_not_converged():
    data, _ = demo.read_birth_life_data()
    w_ls, b_ls = demo.least_squares_line(data)
    assert (round(w_ls, 4), round(b_ls, 4)) == (-5.7188, 85.7135)
    note = demo.convergence_note(data, -2.0678, 71.9406, 100)   # w, b after 100 epochs
    assert note.startswith("Least-squares line (np.polyfit, drawn for reference)")
    assert "Not converged: after 100 epoch(s)" in note and "6.79, against 3.70" in note
    assert "Not converged" not in demo.convergence_note(data, w_ls, b_ls, 300)
    squared = demo.convergence_note(data, -5.1504, 79.4, 100, "squared")
    assert "mean squared loss" in squared and "more epochs do not help" in squared


@pytest.mark.parametrize("loss, label", [("huber", "huber regression"),
                                         ("squared", "squared-loss regression")])
def test_demo_plot_has_a_title_the_right_label_and_the_least_squares_line(
        loss, label, tmp_path, monkeypatch, capsys):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    saved = []
    real = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (saved.append(self),
                                                                   real(self, *a, **k)))
    assert demo.main(["--epochs", "1", "--loss", loss, "--out-dir", str(tmp_path / "d")]) == 0
    assert (tmp_path / "d" / f"birth_life_{loss}.png").exists()
    ax = saved[0].axes[0]
    assert "Birth rate vs. life expectancy" in ax.get_title()
    assert "1 epoch of per-example SGD" in ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["data", label, "least squares (np.polyfit), for reference"]
    assert "Not converged" in capsys.readouterr().out


# ----------------------------------------------------------------------------- docs

def test_docs_link_pages_instead_of_naming_their_files():
    from pathlib import Path

    docs = Path(__file__).resolve().parent.parent / "docs"
    for page in docs.glob("*.md"):
        if page.name == "coverage.md":
            continue
        for n, line in enumerate(page.read_text().splitlines(), 1):
            assert "`docs/" not in line or "_static" in line, f"{page.name}:{n}: {line}"


def test_porting_guide_shows_the_diff_of_the_seed_program():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "porting-tf1-eager.md").read_text()
    diff = text.split("```diff", 1)[1].split("```", 1)[0]
    changed = [x for x in diff.splitlines() if x[:1] in "+-" and x[:3] not in ("---", "+++")]
    assert 10 <= len(changed) <= 30
    assert "-import tensorflow as tf" in diff and "utils.read_birth_life_data" in diff
    assert "+from gradarray.demo import read_birth_life_data" in diff
