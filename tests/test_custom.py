"""Custom derivatives: TF's custom_gradient, JAX's custom_vjp, autograd-style primitive."""

import numpy as np
import pytest

import gradarray as ga


@ga.custom_gradient
def log1pexp(x):
    e = np.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))

    return np.log(1 + e), grad


def test_custom_gradient_value_and_stable_gradient():
    x = ga.tensor(100.0)
    np.testing.assert_allclose(log1pexp(ga.tensor(0.0)), np.log(2.0))
    assert float(ga.grad(log1pexp)(x)) == 1.0  # the naive gradient would be nan (inf/inf)
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    assert float(tape.gradient(y, x)) == 1.0


def test_custom_gradient_is_the_whole_derivative():
    @ga.custom_gradient
    def clip_gradient(x):
        return x * 1.0, lambda dy: np.clip(dy, -0.5, 0.5)

    assert float(ga.grad(lambda x: 10 * clip_gradient(x))(ga.tensor(3.0))) == 0.5


def test_custom_gradient_second_order_through_closure():
    # d2/dx2 log(1 + e^x) = sigmoid(x)(1 - sigmoid(x)) = 0.25 at 0 (TF gives the same).
    h = ga.hessian(lambda x: np.sum(log1pexp(x)))(ga.tensor([0.0]))
    np.testing.assert_allclose(h, [[0.25]])


def test_custom_gradient_several_inputs_and_tfe():
    @ga.custom_gradient
    def mul(x, y):
        return x * y, lambda dy: (dy * y * 2, dy * x * 3)

    gx, gy = ga.gradients_function(mul)(2.0, 5.0)
    assert float(gx) == 10.0 and float(gy) == 6.0


def test_custom_gradient_wrong_number_of_gradients():
    @ga.custom_gradient
    def bad(x, y):
        return x * y, lambda dy: dy

    with pytest.raises(ValueError, match="returned 1 gradient\\(s\\) but the function has 2"):
        ga.gradients_function(bad)(2.0, 5.0)


def test_custom_gradient_with_variables():
    v = ga.Variable(3.0)

    @ga.custom_gradient
    def scale(x):
        def grad_fn(dy, variables=None):
            assert [id(u) for u in variables] == [id(v)]
            return dy * v, [dy * x * 10]

        return x * v, grad_fn

    x = ga.tensor(2.0)
    (g, var), = ga.implicit_gradients(lambda: scale(x))()
    assert var is v and float(g) == 20.0

    @ga.custom_gradient
    def no_kw(x):
        return x * v, lambda dy: dy * v

    with pytest.raises(TypeError, match="must take variables=... and return"):
        ga.implicit_gradients(lambda: no_kw(x))()


def test_custom_gradient_outside_recording_returns_value():
    np.testing.assert_allclose(log1pexp(np.array([0.0])), [np.log(2.0)])


def test_custom_vjp():
    @ga.custom_vjp
    def f(x, y):
        return np.sin(x) * y

    def f_fwd(x, y):
        return f(x, y), (np.cos(x), np.sin(x), y)

    def f_bwd(res, g):
        cos_x, sin_x, y = res
        return (cos_x * g * y, sin_x * g)

    f.defvjp(f_fwd, f_bwd)
    x, y = ga.tensor(0.5), ga.tensor(2.0)
    gx, gy = ga.grad(f, (0, 1))(x, y)
    np.testing.assert_allclose(gx, np.cos(0.5) * 2.0)
    np.testing.assert_allclose(gy, np.sin(0.5))
    # Higher order through the residuals: d2/dx2 sin(x) y = -sin(x) y.
    np.testing.assert_allclose(ga.grad(ga.grad(f))(x, y), -np.sin(0.5) * 2.0)
    assert f.__name__ == "f"


def test_custom_vjp_replaces_the_derivative_and_checks_bwd():
    @ga.custom_vjp
    def clip_grad(x):
        return x

    clip_grad.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1, 1),))
    assert float(ga.grad(lambda x: 5 * clip_grad(x))(ga.tensor(2.0))) == 1.0

    @ga.custom_vjp
    def bad(x):
        return x * 2

    bad.defvjp(lambda x: (x * 2, None), lambda res, g: g)
    with pytest.raises(ValueError, match="must return a tuple of 1 cotangent"):
        ga.grad(bad)(ga.tensor(1.0))


def test_custom_vjp_nondiff_argnums_and_missing_defvjp():
    def app(n, x):
        return x ** n

    f = ga.custom_vjp(app, nondiff_argnums=(0,))
    f.defvjp(lambda n, x: (x ** n, x), lambda n, x, g: (n * x ** (n - 1) * g * 100,))
    assert float(ga.grad(lambda x: f(3, x))(ga.tensor(2.0))) == 1200.0

    @ga.custom_vjp
    def g(x):
        return x

    with pytest.raises(TypeError, match="No VJP defined for custom_vjp function g"):
        g(ga.tensor(1.0))


def test_primitive_with_defvjp():
    @ga.primitive
    def logsumexp(x):
        m = np.max(x)
        return m + np.log(np.sum(np.exp(x - m)))

    x = ga.tensor([0.0, 0.0])
    with pytest.raises(ga.NoRuleError, match="logsumexp has no derivative rule.*defvjp"):
        ga.grad(logsumexp)(x)
    ga.defvjp(logsumexp, lambda g, ans, x: g * np.exp(x - ans))
    np.testing.assert_allclose(ga.grad(logsumexp)(x), [0.5, 0.5])
    # The rule is written with NumPy calls, so it differentiates again.
    np.testing.assert_allclose(ga.hessian(logsumexp)(x), [[0.25, -0.25], [-0.25, 0.25]])
    # Plain values: the plain function.
    assert logsumexp([0.0, 0.0]) == pytest.approx(np.log(2.0))
    assert type(logsumexp(x)) is ga.Tensor


def test_primitive_nondiff_and_list_arguments():
    @ga.primitive
    def total(arrays):
        return sum(np.sum(a) for a in arrays)

    ga.defvjp(total, lambda g, ans, arrays: [g * np.ones_like(a) for a in arrays])
    a, b = ga.tensor([1.0, 2.0]), ga.tensor(3.0)
    ga_, gb = ga.grad(lambda a, b: total([a, b]), (0, 1))(a, b)
    np.testing.assert_allclose(ga_, [1.0, 1.0])
    assert float(gb) == 1.0

    @ga.primitive
    def count_positive(x):
        return np.sum(x > 0).astype(float)

    ga.nondiff(count_positive)
    assert float(ga.grad(lambda x: np.sum(x) + count_positive(x))(a)[0]) == 1.0
