"""In-place updates and views: every mutating program has the gradient of the same program
written without mutation, also when it overwrites a value the backward pass needs."""

from __future__ import annotations

import numpy as np
import pytest

import gradarray as ga

RNG = np.random.default_rng(7)
X = RNG.standard_normal((3, 4))
V = RNG.standard_normal((3, 4))
IDX = np.array([0, 2, 0])


def _rows(x, k, row):
    """x with row k replaced by ``row`` (no mutation)."""
    return np.concatenate([x[:k], row[None], x[k + 1:]])


def _mask_onehot(shape, flat):
    """One-hot matrix (len(flat), size): row j marks flat index flat[j]."""
    return (np.arange(int(np.prod(shape)))[None, :] == np.asarray(flat)[:, None]) * 1.0


# Each entry: (name, mutating f(x, v), the same function without mutation).
def m_setitem_slice(x, v):
    y = x * 1.0
    y[1:3] = v[0]
    return y


def p_setitem_slice(x, v):
    return np.concatenate([x[:1], np.broadcast_to(v[0], (2, 4)), x[3:]])


def m_iadd_slice(x, v):
    y = x * 2.0
    y[:, ::-2] += v[:, :2]
    return y


def p_iadd_slice(x, v):
    y = x * 2.0
    cols = [y[:, k] for k in range(4)]
    cols[3] = cols[3] + v[:, 0]
    cols[1] = cols[1] + v[:, 1]
    return np.stack(cols, axis=1)


def m_setitem_repeated(x, v):
    y = x * 1.0
    y[IDX] = v[:3]  # row 0 is written twice; the second write (v[2]) survives
    return y


def p_setitem_repeated(x, v):
    return np.stack([v[2], x[1], v[1]])


def m_iadd_repeated(x, v):
    y = x * 1.0
    y[IDX] += v[:3]  # y[idx] = y[idx] + v: again the last write survives
    return y


def p_iadd_repeated(x, v):
    return np.stack([x[0] + v[2], x[1], x[2] + v[1]])


def m_setitem_mask(x, v):
    y = x * 1.0
    y[x > 0] = v[x > 0] * 3.0
    return y


def p_setitem_mask(x, v):
    return np.where(x > 0, v * 3.0, x)


def m_view_imul(x, v):
    y = x * 1.0
    r = y[0]
    r *= v[0]
    return y


def p_view_imul(x, v):
    return _rows(x, 0, x[0] * v[0])


def m_view_of_view(x, v):
    y = x + 0.0
    a = y[1:, ::-1]
    b = a[0]
    b -= v[1]
    return y * 2.0 + a.sum()


def p_view_of_view(x, v):
    y = _rows(x, 1, x[1] - v[1][::-1])
    return y * 2.0 + y[1:, ::-1].sum()


def m_transpose_view(x, v):
    y = x * 1.0
    t = y.T
    t[2] += v[0, :3]
    return y


def p_transpose_view(x, v):
    cols = [x[:, k] for k in range(4)]
    cols[2] = cols[2] + v[0, :3]
    return np.stack(cols, axis=1)


def m_reshape_view(x, v):
    y = x * 1.0
    r = y.reshape(12)
    r[::5] = v[0, :3]
    return y


def p_reshape_view(x, v):
    flat = np.reshape(x, 12)
    keep = np.ones(12)
    keep[::5] = 0.0
    scatter = _mask_onehot((12,), [0, 5, 10])
    return np.reshape(flat * keep + v[0, :3] @ scatter, (3, 4))


def m_add_at(x, v):
    y = x * 1.0
    np.add.at(y, (IDX, [1, 1, 3]), v[0, :3])
    return y


def p_add_at(x, v):
    return x + np.reshape(v[0, :3] @ _mask_onehot((3, 4), [1, 9, 3]), (3, 4))


def m_subtract_at(x, v):
    y = x * 1.0
    np.subtract.at(y, IDX, v[:3])
    return y


def p_subtract_at(x, v):
    return np.stack([x[0] - v[0] - v[2], x[1], x[2] - v[1]])


def m_inplace_ops(x, v):
    y = x * 1.0
    y += v
    y *= y  # reads the old y: the saved operands are copied before the write
    y /= 2.0
    return y


def p_inplace_ops(x, v):
    y = x + v
    return y * y / 2.0


def m_out_kwarg(x, v):
    y = x * 1.0
    np.multiply(x, v, out=y)
    np.add(y[0], 1.0, out=y[1])
    np.sin(x[2], out=y[2])
    return y


def p_out_kwarg(x, v):
    y = x * v
    return np.stack([y[0], y[0] + 1.0, np.sin(x[2])])


def m_where_out(x, v):
    y = x * 1.0
    np.add(x, v, out=y, where=x > 0)
    return y


def p_where_out(x, v):
    return np.where(x > 0, x + v, x)


def m_put_along_axis(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[1], [3], [0]]), v[:, :1], axis=1)
    return y


def p_put_along_axis(x, v):
    mask = np.zeros((3, 4))
    mask[[0, 1, 2], [1, 3, 0]] = 1.0
    return x * (1 - mask) + v[:, :1] * mask


def m_put(x, v):
    y = x * 1.0
    np.put(y, [2, -1], v[0, :2])
    return y


def p_put(x, v):
    keep = np.ones(12)
    keep[[2, 11]] = 0.0
    return np.reshape(np.ravel(x) * keep + v[0, :2] @ _mask_onehot((12,), [2, 11]), (3, 4))


def m_copyto(x, v):
    y = x * 1.0
    np.copyto(y, v[0], where=np.array([True, False, True, False]))
    return y


def p_copyto(x, v):
    return np.where(np.array([True, False, True, False]), v[0], x)


def m_fill_and_sort(x, v):
    y = x * v
    y.sort(axis=1)
    z = x * 1.0
    z[0].fill(2.0)
    return y + z


def p_fill_and_sort(x, v):
    return np.sort(x * v, axis=1) + _rows(x, 0, np.full(4, 2.0))


def m_nan_to_num(x, v):
    y = x / np.array([1.0, 0.0, 1.0, 1.0])
    np.nan_to_num(y, copy=False, posinf=1.0, neginf=-1.0)
    return y * v


def p_nan_to_num(x, v):
    return np.nan_to_num(x / np.array([1.0, 0.0, 1.0, 1.0]), posinf=1.0, neginf=-1.0) * v


def m_real_setter(x, v):
    z = x * (1.0 + 1.0j)
    z.real = v
    return np.abs(z) ** 2


def p_real_setter(x, v):
    return v ** 2 + x ** 2


PROGRAMS = [(name[2:], fn, globals()["p_" + name[2:]])
            for name, fn in sorted(globals().items()) if name.startswith("m_")]


def _loss(f, w):
    return lambda x, v: np.sum(f(x, v) * w)


@pytest.mark.parametrize("name, mutating, pure", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_same_gradient_as_without_mutation(name, mutating, pure):
    w = RNG.standard_normal((3, 4))
    if name == "nan_to_num":  # gradient through x / 0 is inf * 0 in both versions
        x = np.where(np.arange(4) == 1, 0.5, X)
    else:
        x = X
    expected = pure(x, V)
    got = mutating(ga.tensor(x), ga.tensor(V))
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(mutating(x.copy(), V.copy()), expected, rtol=1e-12)
    g_mut = ga.grad(_loss(mutating, w), argnums=(0, 1))(x, V)
    g_pure = ga.grad(_loss(pure, w), argnums=(0, 1))(x, V)
    for a, b in zip(g_mut, g_pure, strict=True):
        if name == "nan_to_num":
            a, b = a[:, ::2], b[:, ::2]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)
    assert np.any(g_mut[0].numpy() != 0) or np.any(g_mut[1].numpy() != 0)


@pytest.mark.parametrize("name, mutating, pure",
                         [p for p in PROGRAMS if p[0] not in ("nan_to_num",)],
                         ids=[p[0] for p in PROGRAMS if p[0] not in ("nan_to_num",)])
def test_same_second_order_as_without_mutation(name, mutating, pure):
    w = RNG.standard_normal((3, 4))
    u = RNG.standard_normal((3, 4))

    def hvp(f):
        def inner(x, v):
            gx, gv = ga.grad(_loss(f, w), argnums=(0, 1))(x, v)
            return np.sum(gx * u) + np.sum(gv * u)
        return ga.grad(inner, argnums=(0, 1))(X, V)

    for a, b in zip(hvp(mutating), hvp(pure), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-12)


# ----- Overwriting what the backward pass needs: the old values are copied first -----
# Each entry: a program overwriting a value a recorded call saved, and the same program
# without mutation.  The write copies the saved values it overwrites (copy-on-write), so the
# gradient is the one at the recorded values.
def s_output_saved(x):
    y = np.exp(x)  # exp keeps its output
    y += 1
    return y


def sp_output_saved(x):
    return np.exp(x) + 1


def s_output_saved_setitem(x):
    y = np.tanh(x)
    y[0] = 0.0
    return y


def sp_output_saved_setitem(x):
    return _rows(np.tanh(x), 0, np.zeros(4))


def s_input_saved(x):
    y = x * 1.0
    z = np.sin(y)  # sin keeps its input
    y *= 2.0
    return z + y


def sp_input_saved(x):
    return np.sin(x) + x * 2.0


def s_input_saved_through_view(x):
    y = x * 1.0
    z = y ** 3
    r = y[1:]
    r += 1.0
    return z


def sp_input_saved_through_view(x):
    return x ** 3


def s_leaf_mutated(x):
    z = np.log(np.abs(x) + 1)
    x[0, 0] = 5.0
    return z


def sp_leaf_mutated(x):
    return np.log(np.abs(x) + 1)


def s_sort_input_then_write(x):
    y = x * 1.0
    z = y * y
    y.sort()
    return z


def sp_sort_input_then_write(x):
    return x * x


def s_out_into_a_saved_input(x):
    y = x * 1.0
    z = np.exp(y)
    np.sin(z, out=y)  # overwrites y, which exp does not keep, but z's output is read ...
    z += 1.0          # ... and exp's output is overwritten here
    return z + y


def sp_out_into_a_saved_input(x):
    return np.exp(x) + 1.0 + np.sin(np.exp(x))


SAVED = [(name[2:], fn, globals()["sp_" + name[2:]])
         for name, fn in sorted(globals().items()) if name.startswith("s_")]


@pytest.mark.parametrize("name, mutating, pure", SAVED, ids=[p[0] for p in SAVED])
def test_overwriting_a_saved_value_copies_it_first(name, mutating, pure):
    w = RNG.standard_normal((3, 4))
    u = RNG.standard_normal((3, 4))

    def loss(f):
        return lambda x: np.sum(f(x) * w)

    def hvp(f):
        return ga.grad(lambda x: np.sum(ga.grad(loss(f))(x) * u))

    for order in (ga.grad, hvp):   # first and second order
        got = order(loss(mutating))(X.copy())
        want = order(loss(pure))(X.copy())
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10,
                                   atol=1e-12)


def test_mutation_of_unsaved_values_is_fine():
    def f(x):
        y = np.sin(x)  # sin keeps x, not y
        w = y * 3.0    # multiply by a constant keeps only the constant
        y[0] = 5.0
        return w + y

    def pure(x):
        y = np.sin(x)
        return y * 3.0 + _rows(y, 0, np.full(4, 5.0))

    np.testing.assert_allclose(ga.grad(lambda x: np.sum(f(x) ** 2))(X).numpy(),
                               ga.grad(lambda x: np.sum(pure(x) ** 2))(X).numpy(), rtol=1e-12)
