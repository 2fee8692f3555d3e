"""Derivatives of contractions: dot, vdot, inner, outer, tensordot, einsum, kron, cross, ...

Every contraction is multilinear, so the gradient of one operand is the contraction of the
cotangent with the (conjugated) other operands: itself an ``np.einsum`` call, differentiable
again through the einsum rule.  ``_einsum_grad`` builds that call from subscripts.
"""

from __future__ import annotations

import string

import numpy as np

from ..registry import composite, defvjp
from ._util import conj, like

_LETTERS = string.ascii_letters


# ----- Subscripts -----

def _fresh(used: set, count: int) -> list[str]:
    """``count`` letters not in ``used`` (added to it)."""
    out = []
    for c in _LETTERS:
        if len(out) == count:
            break
        if c not in used:
            used.add(c)
            out.append(c)
    if len(out) < count:
        raise ValueError("einsum: too many distinct indices to differentiate")
    return out


def _sublist_to_str(sub) -> str:
    return "".join("..." if s is Ellipsis else _LETTERS[s] for s in sub)


def _einsum_spec(args: tuple) -> tuple[list, list[str], str]:
    """(positions of the operands, their subscripts, the output's), ellipses made explicit.

    Accepts both call forms: ``einsum("ij,jk->ik", a, b)`` and ``einsum(a, [0, 1], b, [1,
    2], [0, 2])``.  Implicit output: the indices seen once, in ASCII order, as NumPy does.
    """
    if isinstance(args[0], str):
        spec = args[0].replace(" ", "")
        pos = list(range(1, len(args)))
        ins, arrow, out = spec.partition("->")
        ins = ins.split(",")
        explicit = bool(arrow)
    else:
        pos = list(range(0, len(args) - 1, 2))
        ins = [_sublist_to_str(args[p + 1]) for p in pos]
        explicit = len(args) % 2 == 1
        out = _sublist_to_str(args[-1]) if explicit else ""
    used = set("".join(ins).replace(".", ""))
    n_ell = [np.ndim(args[p]) - len(s.replace("...", "")) if "..." in s else 0
             for p, s in zip(pos, ins, strict=True)]
    ell = "".join(_fresh(used, max(n_ell, default=0)))
    subs = [s.replace("...", ell[len(ell) - k:] if k else "") for s, k in
            zip(ins, n_ell, strict=True)]
    if not explicit:
        flat = "".join(s.replace("...", "") for s in ins)
        out = "..." * any("..." in s for s in ins) + "".join(
            sorted(c for c in set(flat) if flat.count(c) == 1))
    out = out.replace("...", ell)
    return pos, subs, out


def _einsum_grad(k: int, subs: list, out: str, operands: list, g, optimize=False):
    """Gradient of ``einsum(subs -> out, *operands)`` w.r.t. operand ``k``, for cotangent ``g``.

    Indices of operand ``k`` found nowhere else (summed within it) come back by a vector of
    ones; a repeated index (a diagonal, ``"ii"``) by an identity matrix.
    """
    target = subs[k]
    ops = [conj(x) for j, x in enumerate(operands) if j != k] + [g]
    terms = [s for j, s in enumerate(subs) if j != k] + [out]
    have = set("".join(terms))
    used = set("".join(subs) + out)
    shape = np.shape(operands[k])
    result = []
    for i, c in enumerate(target):
        if c in target[:i]:
            # Another occurrence of c: an identity links it to the first one.
            new = _fresh(used, 1)[0]
            n = shape[i]
            ops.append(np.eye(n, dtype=g.dtype, like=like(g)))
            terms.append(c + new)
            result.append(new)
            continue
        if c not in have:
            ops.append(np.ones_like(g, shape=(shape[i],)))
            terms.append(c)
            have.add(c)
        result.append(c)
    return np.einsum(",".join(terms) + "->" + "".join(result), *ops, optimize=optimize)


# ----- einsum -----

def _einsum_vjp_at(position: int):
    def einsum_vjp(g, ans, *operands, out=None, dtype=None, order="K", casting="safe",
                   optimize=False):
        pos, subs, res = _einsum_spec(operands)
        k = pos.index(position)
        return _einsum_grad(k, subs, res, [operands[p] for p in pos], g, optimize)

    return einsum_vjp


# One vjp per argument slot (the string form has the subscripts in slot 0, the sublist form
# an operand there), each knowing its position.
defvjp(np.einsum, *(_einsum_vjp_at(p) for p in range(2 * len(_LETTERS) + 1)))


# ----- dot, inner, outer, tensordot, vdot -----

def _dot_spec(na: int, nb: int) -> tuple[list, str]:
    if na == 0 or nb == 0:
        s = _LETTERS[:max(na, nb)]
        return [s[:na], s[:nb]], s
    af = _LETTERS[:na - 1]
    if nb == 1:
        return [af + "z", "z"], af
    bf = _LETTERS[26:26 + nb - 1]
    return [af + "z", bf[:-1] + "z" + bf[-1]], af + bf


def _inner_spec(na: int, nb: int) -> tuple[list, str]:
    if na == 0 or nb == 0:
        return _dot_spec(na, nb)
    af, bf = _LETTERS[:na - 1], _LETTERS[26:26 + nb - 1]
    return [af + "z", bf + "z"], af + bf


def dot_vjp(k: int, spec):
    def vjp(g, ans, a, b, out=None):
        subs, res = spec(np.ndim(a), np.ndim(b))
        return _einsum_grad(k, subs, res, [a, b], g)

    return vjp


defvjp(np.dot, dot_vjp(0, _dot_spec), dot_vjp(1, _dot_spec))
defvjp(np.inner, dot_vjp(0, _inner_spec), dot_vjp(1, _inner_spec))


def _outer_grad(k, g, a, b):
    return np.reshape(_einsum_grad(k, ["i", "j"], "ij", [np.ravel(a), np.ravel(b)], g),
                      np.shape((a, b)[k]))


defvjp(np.outer, lambda g, ans, a, b, out=None: _outer_grad(0, g, a, b),
       lambda g, ans, a, b, out=None: _outer_grad(1, g, a, b))


def _tensordot_spec(na: int, nb: int, axes) -> tuple[list, str]:
    if isinstance(axes, (int, np.integer)):
        axa, axb = list(range(na - axes, na)), list(range(axes))
    else:
        axa, axb = axes
        axa = [axa] if isinstance(axa, (int, np.integer)) else list(axa)
        axb = [axb] if isinstance(axb, (int, np.integer)) else list(axb)
    axa = [x % na for x in axa]
    axb = [x % nb for x in axb]
    sa = list(_LETTERS[:na])
    sb = list(_LETTERS[26:26 + nb])
    for i, j in zip(axa, axb, strict=False):
        sb[j] = sa[i]
    res = [c for i, c in enumerate(sa) if i not in axa] + [
        c for j, c in enumerate(sb) if j not in axb]
    return ["".join(sa), "".join(sb)], "".join(res)


def tensordot_vjp(k: int):
    def vjp(g, ans, a, b, axes=2):
        subs, res = _tensordot_spec(np.ndim(a), np.ndim(b), axes)
        return _einsum_grad(k, subs, res, [a, b], g)

    return vjp


defvjp(np.tensordot, tensordot_vjp(0), tensordot_vjp(1))
# vdot(a, b) = sum(conj(a) * b) over the flattened arrays: antilinear in a.
defvjp(np.vdot, lambda g, ans, a, b: np.reshape(np.conj(g) * b, a.shape),
       lambda g, ans, a, b: np.reshape(g * a, b.shape))


# ----- kron -----

def kron_vjp(k: int):
    # kron(a, b) viewed as shape (a0, b0, a1, b1, ...) is a[:, None, :, None] * b[None, :, ...].
    def vjp(g, ans, a, b):
        nd = max(np.ndim(a), np.ndim(b))
        sa = (1,) * (nd - np.ndim(a)) + np.shape(a)
        sb = (1,) * (nd - np.ndim(b)) + np.shape(b)
        ga = np.reshape(g, tuple(d for pair in zip(sa, sb, strict=True)
                                 for d in pair))
        la, lb = _LETTERS[:nd], _LETTERS[26:26 + nd]
        gl = "".join(x + y for x, y in zip(la, lb, strict=True))
        ops = [np.reshape(a, sa), np.reshape(b, sb)]
        res = _einsum_grad(k, [la, lb], gl, ops, ga)
        return np.reshape(res, np.shape((a, b)[k]))

    return vjp


defvjp(np.kron, kron_vjp(0), kron_vjp(1))


# ----- cross -----

def _pad3(v):
    """A vector axis (last) of length 2 padded to 3 with a zero z-component."""
    if v.shape[-1] == 3:
        return v
    return v @ np.eye(2, 3, dtype=v.dtype, like=v)


def cross_vjp(k: int):
    # <g, a x b> = <a, b x g> = <b, g x a>; 2-vectors are 3-vectors with z = 0.
    def vjp(g, ans, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
        if axis is not None:
            axisa = axisb = axisc = axis
        am = np.moveaxis(a, axisa, -1)
        bm = np.moveaxis(b, axisb, -1)
        if am.shape[-1] == 2 and bm.shape[-1] == 2:
            ez = np.ravel(np.eye(1, 3, k=2, dtype=g.dtype, like=like(g)))
            gm = np.expand_dims(g, -1) * ez
        else:
            gm = np.moveaxis(g, axisc, -1)
        if k == 0:
            r = np.cross(conj(_pad3(bm)), gm)[..., :am.shape[-1]]
            return np.moveaxis(r, -1, axisa % np.ndim(a) - np.ndim(a))
        r = np.cross(gm, conj(_pad3(am)))[..., :bm.shape[-1]]
        return np.moveaxis(r, -1, axisb % np.ndim(b) - np.ndim(b))

    return vjp


defvjp(np.cross, cross_vjp(0), cross_vjp(1))


# ----- multi_dot -----

def _chain(arrays):
    return arrays[0] if len(arrays) == 1 else np.linalg.multi_dot(arrays)


def multi_dot_vjp(g, ans, arrays, *, out=None):
    # The first array may be a row vector and the last a column: make both matrices.
    mats = list(arrays)
    first_vec, last_vec = np.ndim(mats[0]) == 1, np.ndim(mats[-1]) == 1
    if first_vec:
        mats[0] = np.expand_dims(mats[0], 0)
        g = np.expand_dims(g, 0)
    if last_vec:
        mats[-1] = np.expand_dims(mats[-1], -1)
        g = np.expand_dims(g, -1)
    grads = []
    for i in range(len(mats)):
        gi = g
        if i > 0:
            gi = conj(np.swapaxes(_chain(mats[:i]), -1, -2)) @ gi
        if i < len(mats) - 1:
            gi = gi @ conj(np.swapaxes(_chain(mats[i + 1:]), -1, -2))
        grads.append(np.reshape(gi, np.shape(arrays[i])))
    return grads


defvjp(np.linalg.multi_dot, multi_dot_vjp)


# ----- np.linalg's Array API aliases: our own NumPy calls, recorded as they run -----

@composite(np.linalg.matmul)
def _linalg_matmul(x1, x2, /):
    return np.matmul(x1, x2)


@composite(np.linalg.outer)
def _linalg_outer(x1, x2, /):
    if np.ndim(x1) != 1 or np.ndim(x2) != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return np.outer(x1, x2)


@composite(np.linalg.tensordot)
def _linalg_tensordot(x1, x2, /, *, axes=2):
    return np.tensordot(x1, x2, axes=axes)


@composite(np.linalg.vecdot)
def _linalg_vecdot(x1, x2, /, *, axis=-1):
    return np.sum(np.conj(np.moveaxis(x1, axis, -1)) * np.moveaxis(x2, axis, -1), axis=-1)


@composite(np.linalg.cross)
def _linalg_cross(x1, x2, /, *, axis=-1):
    if np.shape(x1)[axis] != 3 or np.shape(x2)[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors")
    return np.cross(x1, x2, axis=axis)


@composite(np.linalg.matrix_transpose)
def _linalg_matrix_transpose(x, /):
    return np.matrix_transpose(x)


def linalg_diagonal_vjp(g, ans, x, /, *, offset=0):
    # g lands on x[..., r, r + offset]: rows selected by P, the diagonal by E.
    n, m = x.shape[-2], x.shape[-1]
    k = g.shape[-1]
    p = np.eye(k, n, k=max(-offset, 0), dtype=g.dtype, like=like(g))
    e = np.eye(n, m, k=offset, dtype=g.dtype, like=like(g))
    return np.einsum("...d,dr,rc->...rc", g, p, e)


defvjp(np.linalg.diagonal, linalg_diagonal_vjp)


@composite(np.linalg.trace)
def _linalg_trace(x, /, *, offset=0, dtype=None):
    return np.sum(np.linalg.diagonal(x, offset=offset), axis=-1, dtype=dtype)
