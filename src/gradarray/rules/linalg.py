"""Derivatives of ``np.linalg``: inverses, solvers, determinants, factorizations, norms.

All rules work on stacks of matrices (the last two axes) where NumPy allows them.  Complex
inputs follow the conjugate-Wirtinger convention: holomorphic maps (inv, solve, det,
matrix_power, ...) give ``A^{-H} ...`` forms.  Factorizations that read one triangle of their
input (cholesky, eigh, eigvalsh) give a gradient on that triangle only, as NumPy ignores the
other one.  Eigen- and singular vectors need distinct eigen-/singular values.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedArgument
from ..registry import composite, defvjp, nondiff
from ._util import conj, expand_reduced

# ----- Helpers -----

def _mT(x):
    return np.swapaxes(x, -1, -2)


def _mH(x):
    return conj(np.swapaxes(x, -1, -2))


def _eye(n, like):
    return np.eye(n, dtype=like.dtype, like=like)


def _diag_embed(v):
    """(..., n) -> (..., n, n) with ``v`` on the diagonal."""
    return np.expand_dims(v, -1) * _eye(v.shape[-1], v)


def _phi(x):
    """Lower triangle of ``x`` with its diagonal halved."""
    n = x.shape[-1]
    return x * (np.tri(n, dtype=x.dtype, like=x) - 0.5 * _eye(n, x))


def _tri_grad(p, lower):
    """Gradient w.r.t. the triangle a factorization reads, from the unconstrained ``p``.

    The symmetric (Hermitian) matrix NumPy factorizes is built from one triangle, so each
    off-diagonal entry there counts twice and the other triangle not at all.
    """
    g = _phi(p + _mH(p))
    return g if lower else _mH(g)


def _vec_of(b):
    """``b`` is a vector right-hand side (NumPy 2: only when it is 1-D)."""
    return b.ndim == 1


# ----- Inverses and solvers -----
defvjp(np.linalg.inv, lambda g, ans, a: -_mH(ans) @ g @ _mH(ans))


def _solve_adjoint(g, a, b):
    """A^{-H} g, shaped like b."""
    if _vec_of(b):
        return np.linalg.solve(_mH(a), np.expand_dims(g, -1))[..., 0]
    return np.linalg.solve(_mH(a), g)


def solve_vjp_a(g, ans, a, b):
    gb = _solve_adjoint(g, a, b)
    if _vec_of(b):
        return -np.expand_dims(gb, -1) * conj(np.expand_dims(ans, -2))
    return -gb @ _mH(ans)


defvjp(np.linalg.solve, solve_vjp_a, lambda g, ans, a, b: _solve_adjoint(g, a, b))


def _pinv_grad(gp, p, a):
    """Gradient through P = pinv(A) (full rank), given the cotangent of P.

    dP = -P dA P + P P^H dA^H (I - A P) + (I - P A) dA^H P^H P.
    """
    ph = _mH(p)
    m, n = a.shape[-2], a.shape[-1]
    grad = -ph @ gp @ ph
    grad = grad + (_eye(m, p) - a @ p) @ _mH(gp) @ p @ ph
    grad = grad + ph @ p @ _mH(gp) @ (_eye(n, p) - p @ a)
    return grad


def pinv_vjp(g, ans, a, rcond=None, hermitian=False, *, rtol=None):
    if hermitian:
        raise UnsupportedArgument("numpy.linalg.pinv: no gradient for hermitian=True (it "
                                  "reads one triangle); call it with hermitian=False")
    return _pinv_grad(g, ans, a)


defvjp(np.linalg.pinv, pinv_vjp)


def _svdvals_grad(gs, a):
    # ds_i = Re(u_i^H dA v_i)
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return (u * np.expand_dims(gs, -2)) @ vh


def _lstsq_parts(g, ans, a, b):
    gx, gres, _, gs = g
    x, res = ans[0], ans[1]
    vec = _vec_of(b)
    gx2 = np.expand_dims(gx, -1) if vec else gx
    b2 = np.expand_dims(b, -1) if vec else b
    x2 = np.expand_dims(x, -1) if vec else x
    return gx2, gres, gs, b2, x2, res, vec


def lstsq_vjp_a(g, ans, a, b, rcond=None):
    gx2, gres, gs, b2, x2, res, _ = _lstsq_parts(g, ans, a, b)
    p = np.linalg.pinv(a)
    grad = _pinv_grad(gx2 @ _mH(b2), p, a) + _svdvals_grad(gs, a)
    if res.size:
        # residuals = |b - A x|^2 per column; x is stationary, so only dA x moves them.
        e = b2 - a @ x2
        grad = grad - 2 * (e * gres) @ _mH(x2)
    return grad


def lstsq_vjp_b(g, ans, a, b, rcond=None):
    gx2, gres, gs, b2, x2, res, vec = _lstsq_parts(g, ans, a, b)
    grad = _mH(np.linalg.pinv(a)) @ gx2
    if res.size:
        grad = grad + 2 * (b2 - a @ x2) * gres
    return grad[..., 0] if vec else grad


defvjp(np.linalg.lstsq, lstsq_vjp_a, lstsq_vjp_b, multi=True)


def _power_grad(g, a, n):
    """Gradient of A^n (n >= 1): sum_k (A^H)^k g (A^H)^(n-1-k)."""
    ah = _mH(a)
    pows = [None, ah]
    for _ in range(2, n):
        pows.append(pows[-1] @ ah)
    total = None
    for k in range(n):
        term = g if k == 0 else pows[k] @ g
        if n - 1 - k:
            term = term @ pows[n - 1 - k]
        total = term if total is None else total + term
    return total


def matrix_power_vjp(g, ans, a, n):
    if n == 0:
        return None  # A^0 = I does not depend on A
    if n > 0:
        return _power_grad(g, a, n)
    b = np.linalg.inv(a)
    return -_mH(b) @ _power_grad(g, b, -n) @ _mH(b)


defvjp(np.linalg.matrix_power, matrix_power_vjp)


# ----- Determinants -----
# Jacobi's formula: d det(A) = det(A) tr(A^{-1} dA).
defvjp(np.linalg.det, lambda g, ans, a:
       np.expand_dims(g * conj(ans), (-1, -2)) * _mH(np.linalg.inv(a)))


def slogdet_vjp(g, ans, a):
    # logabsdet moves with Re tr(A^{-1} dA); a complex sign (the phase) with Im of it.
    # A real sign is piecewise constant: no gradient.
    gsign, glog = g
    coef = glog
    if np.iscomplexobj(ans[0]):
        coef = glog - 1j * np.imag(np.conj(gsign) * ans[0])
    return np.expand_dims(coef, (-1, -2)) * _mH(np.linalg.inv(a))


defvjp(np.linalg.slogdet, slogdet_vjp, multi=True)


# ----- Factorizations -----

def cholesky_vjp(g, ans, a, /, *, upper=False):
    # A = L L^H: dL = L Phi(L^{-1} dA L^{-H}), so the gradient is L^{-H} Phi(L^H gL) L^{-1}.
    low = _mH(ans) if upper else ans
    gl = _mH(g) if upper else g
    linv = np.linalg.inv(low)
    p = _mH(linv) @ _phi(_mH(low) @ gl) @ linv
    return _tri_grad(p, not upper)


defvjp(np.linalg.cholesky, cholesky_vjp)


def _copy_upper(x):
    """The upper triangle of ``x`` mirrored into the lower one (Hermitian)."""
    n = x.shape[-1]
    strict_low = np.tri(n, k=-1, dtype=x.dtype, like=x)
    return x - x * strict_low + _mH(x * _mT(strict_low))


def _qr_tall_grad(q, r, gq, gr):
    # A = QR, m >= n: grad = (gQ + Q copy_upper(gR R^H - Q^H gQ)) R^{-H}.
    b = gq + q @ _copy_upper(gr @ _mH(r) - _mH(q) @ gq)
    return _mH(np.linalg.solve(r, _mH(b)))


def qr_vjp(g, ans, a, mode="reduced"):
    m, n = a.shape[-2], a.shape[-1]
    if mode not in ("reduced", "complete") or (mode == "complete" and m > n):
        raise UnsupportedArgument(f"numpy.linalg.qr: no gradient for mode={mode!r} with "
                                  f"a {m}x{n} matrix; use mode='reduced'")
    gq, gr = g
    q, r = ans
    if m >= n:
        return _qr_tall_grad(q, r, gq, gr)
    # Wide: A = [X | Y], R = [U | V] with X = QU (square) and Y = QV.
    y = a[..., m:]
    gu, gv = gr[..., :m], gr[..., m:]
    gx = _qr_tall_grad(q, r[..., :m], gq + y @ _mH(gv), gu)
    gy = q @ gv
    # [gx | gy] without concatenate: scatter the two blocks by identity slices.
    return gx @ np.eye(m, n, dtype=gx.dtype, like=gx) + \
        gy @ np.eye(n - m, n, k=m, dtype=gy.dtype, like=gy)


defvjp(np.linalg.qr, qr_vjp, multi=True)


def _eig_gaps(w):
    """1 / (w_j - w_i) off the diagonal, 0 on it."""
    n = w.shape[-1]
    eye = _eye(n, w)
    return (1 - eye) / (np.expand_dims(w, -2) - np.expand_dims(w, -1) + eye)


def eigh_vjp(g, ans, a, UPLO="L"):
    gw, gv = g
    w, v = ans
    vh = _mH(v)
    p = v @ (_diag_embed(gw) + _eig_gaps(w) * (vh @ gv)) @ vh
    return _tri_grad(p, UPLO == "L")


defvjp(np.linalg.eigh, eigh_vjp, multi=True)


def eigvalsh_vjp(g, ans, a, UPLO="L"):
    _, v = np.linalg.eigh(a, UPLO=UPLO)
    p = (v * np.expand_dims(g, -2)) @ _mH(v)
    return _tri_grad(p, UPLO == "L")


defvjp(np.linalg.eigvalsh, eigvalsh_vjp)


def eig_vjp(g, ans, a):
    # A = V diag(w) V^{-1}, V with unit columns: the gauge-invariant part of V^H gV counts.
    gw, gv = g
    w, v = ans
    vh = _mH(v)
    vhgv = vh @ gv
    vhgv = vhgv - vh @ (v * np.expand_dims(np.real(np.einsum("...ii->...i", vhgv)), -2))
    inner = _diag_embed(gw) + conj(_eig_gaps(w)) * vhgv
    return np.linalg.solve(vh, inner @ vh)


defvjp(np.linalg.eig, eig_vjp, multi=True)


def eigvals_vjp(g, ans, a):
    # dw_i = (V^{-1} dA V)_ii
    _, v = np.linalg.eig(a)
    vh = _mH(v)
    return np.linalg.solve(vh, np.expand_dims(g, -1) * vh)


defvjp(np.linalg.eigvals, eigvals_vjp)


def svd_vjp(g, ans, a, full_matrices=True, compute_uv=True, hermitian=False):
    if hermitian:
        raise UnsupportedArgument("numpy.linalg.svd: no gradient for hermitian=True (it "
                                  "reads one triangle); call it with hermitian=False")
    if not compute_uv:
        return _svdvals_grad(g[0], a)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices and m != n:
        raise UnsupportedArgument("numpy.linalg.svd: the gradient needs full_matrices=False "
                                  "for a non-square matrix")
    gu, gs, gvh = g
    u, s, vh = ans
    uhgu = _mH(u) @ gu
    vhgv = vh @ _mH(gvh)
    f = _eig_gaps(s * s)
    core = (f * (uhgu - _mH(uhgu))) * np.expand_dims(s, -2) + _diag_embed(gs) \
        + np.expand_dims(s, -1) * (f * (vhgv - _mH(vhgv)))
    if np.iscomplexobj(u):
        # The phase of each (u_i, v_i) pair: Im diag(U^H gU) / s (a gauge-invariant loss
        # balances it with V's).
        skew = np.einsum("...ii->...i", uhgu - _mH(uhgu))
        core = core + _diag_embed(skew / (2 * s))
    grad = u @ core @ vh
    if m > k:  # the part of gU outside span(U)
        grad = grad + ((gu - u @ uhgu) / np.expand_dims(s, -2)) @ vh
    if n > k:
        grad = grad + u @ ((gvh - _mH(vhgv) @ vh) / np.expand_dims(s, -1))
    return grad


defvjp(np.linalg.svd, svd_vjp, multi=True)
defvjp(np.linalg.svdvals, lambda g, ans, x, /: _svdvals_grad(g, x))


# ----- Norms -----
# norm calls asarray inside, so it must have a rule (the rule sees the call first).

def _sgn(x):
    """x / |x| (0 at 0): the derivative of |x|."""
    if np.iscomplexobj(x):
        ax = np.abs(x)
        return x / np.where(ax == 0, 1, ax)
    return np.sign(x)


def _safe(n):
    return np.where(n == 0, 1, n)


def _vector_norm_grad(g, ans, x, ord, axes, keepdims):
    g = expand_reduced(g, x.ndim, axes, keepdims)
    n = expand_reduced(ans, x.ndim, axes, keepdims)
    if ord is None or ord == 2:
        return g * x / _safe(n)
    if ord == 0:
        return None  # counts nonzeros: piecewise constant
    if ord == 1:
        return g * _sgn(x)
    if ord in (np.inf, -np.inf):
        # Ties share the gradient equally.
        hit = np.abs(x) == n
        return g * _sgn(x) * hit / np.sum(hit, axis=axes, keepdims=True)
    return g * _sgn(x) * (np.abs(x) / _safe(n)) ** (ord - 1)


def _matrix_norm_grad(g, ans, x, ord, axes, keepdims):
    r, c = (ax % x.ndim for ax in axes)
    g = expand_reduced(g, x.ndim, (r, c), keepdims)
    n = expand_reduced(ans, x.ndim, (r, c), keepdims)
    if ord is None or ord == "fro":
        return g * x / _safe(n)
    if ord in ("nuc", 2, -2):
        u, _, vh = np.linalg.svd(np.moveaxis(x, (r, c), (-2, -1)), full_matrices=False)
        if ord == "nuc":
            d = u @ vh
        elif ord == 2:
            d = u[..., :1] @ vh[..., :1, :]
        else:
            d = u[..., -1:] @ vh[..., -1:, :]
        return g * np.moveaxis(d, (-2, -1), (r, c))
    if ord not in (1, -1, np.inf, -np.inf):
        raise ValueError(f"Invalid norm order {ord!r} for matrices.")
    # 1/-1: extreme column sum; inf/-inf: extreme row sum.  Ties share the gradient.
    summed, across = (r, c) if ord in (1, -1) else (c, r)
    hit = np.sum(np.abs(x), axis=summed, keepdims=True) == n
    return g * _sgn(x) * hit / np.sum(hit, axis=across, keepdims=True)


def norm_vjp(g, ans, x, ord=None, axis=None, keepdims=False):
    if axis is None:
        if ord is None:  # the 2-norm of the flattened array
            return _vector_norm_grad(g, ans, x, None, None, keepdims)
        axis = (0,) if x.ndim == 1 else (0, 1)
    elif not isinstance(axis, (tuple, list)):
        axis = (axis,)
    axis = tuple(axis)
    if len(axis) == 1:
        return _vector_norm_grad(g, ans, x, ord, axis, keepdims)
    return _matrix_norm_grad(g, ans, x, ord, axis, keepdims)


defvjp(np.linalg.norm, norm_vjp)
defvjp(np.linalg.vector_norm, lambda g, ans, x, /, *, axis=None, keepdims=False, ord=2:
       _vector_norm_grad(g, ans, x, ord, axis, keepdims))
defvjp(np.linalg.matrix_norm, lambda g, ans, x, /, *, keepdims=False, ord="fro":
       _matrix_norm_grad(g, ans, x, ord, (-2, -1), keepdims))

# ----- No gradient -----
nondiff(np.linalg.matrix_rank)


# ----- Composites: tensor inverses and solves as reshaped inv/solve; condition numbers -----
@composite(np.linalg.tensorinv)
def tensorinv(a, ind=2):
    a = np.asanyarray(a)
    if ind <= 0:
        raise ValueError("Invalid ind argument.")
    shape = a.shape
    ia = np.linalg.inv(np.reshape(a, (math.prod(shape[ind:]), -1)))
    return np.reshape(ia, shape[ind:] + shape[:ind])


@composite(np.linalg.tensorsolve)
def tensorsolve(a, b, axes=None):
    a, b = np.asanyarray(a), np.asanyarray(b)
    an = a.ndim
    if axes is not None:
        order = list(range(an))
        for k in axes:  # the summed axes go last
            order.remove(k)
            order.insert(an, k)
        a = np.transpose(a, order)
    shape = a.shape[-(an - b.ndim):]
    n = math.prod(shape)
    if a.size != n ** 2:
        raise np.linalg.LinAlgError(
            "Input arrays must satisfy the requirement "
            "prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim])")
    return np.reshape(np.linalg.solve(np.reshape(a, (n, n)), np.ravel(b)), shape)


def _inv_or_nan(x):
    """inv(x), with NaN matrices where x is singular (NumPy's cond ignores those errors)."""
    try:
        return np.linalg.inv(x)
    except np.linalg.LinAlgError:
        singular = np.linalg.matrix_rank(x) < x.shape[-1]
        eye = np.broadcast_to(_eye(x.shape[-1], x), x.shape)
        safe = np.linalg.inv(np.where(singular[..., None, None], eye, x))
        return np.where(singular[..., None, None], np.nan, safe)


@composite(np.linalg.cond)
def cond(x, p=None):
    x = np.asanyarray(x)
    if x.size == 0 and math.prod(x.shape[-2:]) == 0:
        raise np.linalg.LinAlgError("cond is not defined on empty arrays")
    if p is None or p in (2, -2):
        s = np.linalg.svd(x, compute_uv=False)
        with np.errstate(all="ignore"):
            r = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    else:
        if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
        with np.errstate(all="ignore"):
            r = (np.linalg.norm(x, p, axis=(-2, -1))
                 * np.linalg.norm(_inv_or_nan(x), p, axis=(-2, -1)))
        real = np.finfo(np.result_type(x.dtype, np.float32)).dtype
        r = np.astype(r, real, copy=False)
    # NaN from a singular matrix becomes inf, unless x itself holds NaN.
    nan = np.isnan(r)
    if np.any(nan):
        r = np.where(nan & ~np.any(np.isnan(x), axis=(-2, -1)), np.inf, r)
    return r
