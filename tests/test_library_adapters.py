"""The recorded stand-ins of src/gradarray/interop.py: same values as the library's own
function, gradients that match central differences (float32 and float64), second order
where the stand-in is smooth; options a stand-in does not cover fall back to the library
(whose compiled code then warns)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradarray as ga
from gradarray import conversions, interop

pytest.importorskip("scipy")
import scipy.fft  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.spatial.distance  # noqa: E402
import scipy.special  # noqa: E402

RNG = np.random.default_rng(7)
A = RNG.uniform(-1, 1, (3, 3))
SPD = A @ A.T + 3 * np.eye(3)


def spd(x):
    m = np.reshape(x[:9], (3, 3))
    return m @ m.T + 3 * np.eye(3)


def vec(n):
    return lambda: RNG.uniform(-1, 1, n)


# name -> (the call as users write it, its argument)
CASES = {
    "linalg.solve": (lambda x: scipy.linalg.solve(spd(x), x[9:]), vec(12)),
    "linalg.solve(sym)": (lambda x: scipy.linalg.solve(np.reshape(x[:9], (3, 3)) + 3 * np.eye(3),
                                                       x[9:], assume_a="sym"), vec(12)),
    "linalg.inv": (lambda x: scipy.linalg.inv(spd(x)), vec(9)),
    "linalg.det": (lambda x: scipy.linalg.det(spd(x)), vec(9)),
    "linalg.cholesky": (lambda x: scipy.linalg.cholesky(spd(x)), vec(9)),
    "linalg.cholesky(lower)": (lambda x: scipy.linalg.cholesky(spd(x), lower=True), vec(9)),
    "linalg.cho_solve": (lambda x: scipy.linalg.cho_solve(scipy.linalg.cho_factor(spd(x)),
                                                          x[9:]), vec(12)),
    "linalg.solve_triangular": (lambda x: scipy.linalg.solve_triangular(
        spd(x), x[9:], lower=True), vec(12)),
    "linalg.eigh": (lambda x: scipy.linalg.eigh(spd(x), eigvals_only=True), vec(9)),
    "linalg.eigvalsh": (lambda x: scipy.linalg.eigvalsh(spd(x)), vec(9)),
    "linalg.svd(s)": (lambda x: scipy.linalg.svd(np.reshape(x, (3, 4)), compute_uv=False),
                      vec(12)),
    "linalg.svdvals": (lambda x: scipy.linalg.svdvals(np.reshape(x, (4, 3))), vec(12)),
    "linalg.qr(r)": (lambda x: np.abs(scipy.linalg.qr(np.reshape(x, (4, 3)), mode="r")[0]),
                     vec(12)),
    "linalg.lstsq": (lambda x: scipy.linalg.lstsq(np.reshape(x[:12], (4, 3)), x[12:])[0],
                     vec(16)),
    "linalg.pinv": (lambda x: scipy.linalg.pinv(np.reshape(x, (3, 4))), vec(12)),
    "linalg.norm": (lambda x: scipy.linalg.norm(x), vec(5)),
    "linalg.norm(fro)": (lambda x: scipy.linalg.norm(np.reshape(x, (2, 3))), vec(6)),
    "fft.fft": (lambda x: np.abs(scipy.fft.fft(x)), vec(8)),
    "fft.rfft": (lambda x: np.real(scipy.fft.rfft(x, norm="ortho")), vec(8)),
    "fft.irfft": (lambda x: scipy.fft.irfft(scipy.fft.rfft(x) * 1j), vec(8)),
    "fft.fft2": (lambda x: np.abs(scipy.fft.fft2(np.reshape(x, (2, 4)))), vec(8)),
    "fft.dct": (lambda x: scipy.fft.dct(x), vec(8)),
    "fft.dct(type=1, n=6)": (lambda x: scipy.fft.dct(x, type=1, n=6), vec(8)),
    "fft.idct(ortho)": (lambda x: scipy.fft.idct(x, norm="ortho"), vec(8)),
    "fft.dst(type=4)": (lambda x: scipy.fft.dst(x, type=4), vec(8)),
    "fft.dctn": (lambda x: scipy.fft.dctn(np.reshape(x, (2, 4))), vec(8)),
    "spatial.cdist": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)), np.reshape(x[6:], (2, 2))), vec(10)),
    "spatial.cdist(cityblock)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)), np.reshape(x[6:], (2, 2)), "cityblock"), vec(10)),
    "spatial.cdist(minkowski)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)), np.reshape(x[6:], (2, 2)), "minkowski", p=3), vec(10)),
    "spatial.cdist(cosine)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)), np.reshape(x[6:], (2, 2)), "cosine"), vec(10)),
    "spatial.cdist(correlation)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:9], (3, 3)), np.reshape(x[9:], (2, 3)), "correlation"), vec(15)),
    "spatial.cdist(braycurtis)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)) + 2, np.reshape(x[6:], (2, 2)) + 2, "braycurtis"), vec(10)),
    "spatial.cdist(canberra)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)) + 2, np.reshape(x[6:], (2, 2)) + 2, "canberra"), vec(10)),
    "spatial.cdist(seuclidean)": (lambda x: scipy.spatial.distance.cdist(
        np.reshape(x[:6], (3, 2)), np.reshape(x[6:], (2, 2)), "seuclidean",
        V=np.array([0.5, 2.0])), vec(10)),
    "spatial.pdist": (lambda x: scipy.spatial.distance.pdist(np.reshape(x, (4, 2))), vec(8)),
    "spatial.pdist(sqeuclidean)": (lambda x: scipy.spatial.distance.pdist(
        np.reshape(x, (4, 2)), "sqeuclidean"), vec(8)),
    "spatial.squareform": (lambda x: scipy.spatial.distance.squareform(x), vec(6)),
    "ndimage.gaussian_filter": (lambda x: scipy.ndimage.gaussian_filter(x, 1.0), vec(9)),
    "ndimage.gaussian_filter(2d, wrap)": (lambda x: scipy.ndimage.gaussian_filter(
        np.reshape(x, (3, 4)), 0.8, mode="wrap"), vec(12)),
    "ndimage.uniform_filter1d": (lambda x: scipy.ndimage.uniform_filter1d(x, 3,
                                                                          mode="nearest"),
                                 vec(7)),
    "ndimage.convolve1d": (lambda x: scipy.ndimage.convolve1d(x, [1.0, -2.0, 0.5, 3.0],
                                                              mode="mirror"), vec(7)),
    "ndimage.correlate1d(constant, origin)": (lambda x: scipy.ndimage.correlate1d(
        x, [1.0, 2.0, 3.0], mode="constant", cval=0.3, origin=1), vec(7)),
    "ndimage.sobel": (lambda x: scipy.ndimage.sobel(np.reshape(x, (3, 4))), vec(12)),
    "signal.lfilter": (lambda x: scipy.signal.lfilter([0.5, 0.2], [1.0, -0.6], x), vec(9)),
    "signal.lfilter(2d, axis 0)": (lambda x: scipy.signal.lfilter(
        [1.0], [1.0, -0.5], np.reshape(x, (4, 2)), axis=0), vec(8)),
    "linalg.toeplitz": (lambda x: scipy.linalg.toeplitz(x[:3], x[3:]), vec(7)),
    "linalg.hankel": (lambda x: scipy.linalg.hankel(x[:3], x[2:]), vec(6)),
    "linalg.circulant": (lambda x: scipy.linalg.circulant(x), vec(4)),
    "numpy.as_strided": (lambda x: np.lib.stride_tricks.as_strided(
        x[1:], shape=(3, 2), strides=(8, 8)) if x.dtype == np.float64 else
        np.lib.stride_tricks.as_strided(x[1:], shape=(3, 2), strides=(4, 4)), vec(5)),
    "numpy.sliding_window_view": (lambda x: np.lib.stride_tricks.sliding_window_view(
        np.reshape(x, (3, 4)), (2, 3)), vec(12)),
    "special.logsumexp": (lambda x: scipy.special.logsumexp(x), vec(5)),
    "special.softmax": (lambda x: scipy.special.softmax(x) * np.arange(5.0), vec(5)),
    "special.multigammaln": (lambda x: scipy.special.multigammaln(np.abs(x) + 2.0, 3),
                             vec(4)),
}

W = {}


def _weights(shape):
    if shape not in W:
        W[shape] = np.random.default_rng(3).uniform(0.5, 1.5, shape)
    return W[shape]


def _loss(fn):
    return lambda x: np.sum(np.real(fn(x)) * _weights(np.shape(fn(ga.stop_gradient(x)))))


def _numeric(fn, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (np.sum(np.real(fn(x + d)) * _weights(np.shape(fn(x)))) -
                np.sum(np.real(fn(x - d)) * _weights(np.shape(fn(x))))) / (2 * eps)
    return g


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_are_the_librarys(name):
    fn, make = CASES[name]
    x = make()
    want = fn(x)   # not recording: the library's own function
    got = []
    ga.grad(lambda t: (got.append(fn(t)), np.sum(t))[1])(x)
    np.testing.assert_allclose(np.asarray(got[0]).view(np.ndarray), want, rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_against_central_differences(name, dtype):
    """Alone, and inside f(x) + 0.5 * sum(x * x) (where no "unconnected" check can help)."""
    fn, make = CASES[name]
    x = make()
    want = _numeric(fn, x)
    tol = dict(rtol=5e-3, atol=5e-3) if dtype == np.float32 else dict(rtol=1e-5, atol=1e-7)
    loss = _loss(fn)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ga.LostTapeWarning)
        alone = ga.grad(loss)(x.astype(dtype))
        composite = ga.grad(lambda t: loss(t) + 0.5 * np.sum(t * t))(x.astype(dtype))
    for g, expected in ((alone, want), (composite, want + x)):
        assert g.dtype == dtype
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64).view(np.ndarray),
                                   expected, **tol)


@pytest.mark.parametrize("name", ["signal.lfilter", "linalg.solve", "linalg.cholesky",
                                  "spatial.cdist", "ndimage.gaussian_filter", "fft.dct"])
def test_second_order(name):
    fn, make = CASES[name]
    ga.testing.check_grads(_loss(fn), make(), order=2, modes=("rev",))


def test_uncovered_options_fall_back_and_warn():
    # pivoting QR has no stand-in: SciPy's LAPACK runs, and says the tape ends there.
    with pytest.warns(ga.LostTapeWarning, match="compiled code"):
        ga.grad(lambda x: np.sum(scipy.linalg.qr(np.reshape(x, (4, 3)), pivoting=True)[1]))(
            RNG.uniform(-1, 1, 12))


def test_stand_ins_are_in_place_only_while_recording():
    ga.grad(lambda x: np.sum(x))(np.ones(1))
    assert scipy.linalg.solve.__wrapped__ is conversions.ORIGINALS["scipy.linalg.solve"]
    t = ga.tensor(SPD)
    out = scipy.linalg.solve(t, np.ones(3))       # not recording: SciPy's own call
    assert type(out) is np.ndarray
    assert set(interop.ADAPTERS["scipy.linalg"]) >= {"solve", "inv", "det", "cholesky"}
