"""Recording state is per thread: concurrent training equals sequential training."""

from __future__ import annotations

import threading

import numpy as np

import gradarray as ga
from gradarray._state import STATE


def _train(seed: int, steps: int = 300, barrier: threading.Barrier | None = None) -> tuple:
    """A small MLP trained with ga.grad; returns its final parameters and loss history."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 3))
    y = np.tanh(x @ rng.standard_normal((3, 1)))
    p = [ga.tensor(rng.standard_normal((3, 8)) * 0.5), ga.tensor(np.zeros(8)),
         ga.tensor(rng.standard_normal((8, 1)) * 0.5)]

    def loss(w1, b1, w2):
        h = np.tanh(x @ w1 + b1)
        return np.mean((h @ w2 - y) ** 2)

    vg = ga.value_and_grad(loss, argnums=(0, 1, 2))
    history = []
    if barrier is not None:
        barrier.wait()
    for _ in range(steps):
        value, gs = vg(*p)
        history.append(float(value))
        p = [w - 0.1 * g for w, g in zip(p, gs, strict=True)]
        # Outside a gradient computation nothing may be recording in this thread, whatever
        # the other thread is doing.
        assert not ga.is_recording()
    return [w.numpy().copy() for w in p], history


def test_two_threads_train_like_sequential():
    expected = [_train(0), _train(1)]
    results: dict = {}
    errors: list = []
    barrier = threading.Barrier(2)

    def worker(seed: int) -> None:
        try:
            results[seed] = _train(seed, barrier=barrier)
        except BaseException as e:  # noqa: BLE001 (reported by the main thread)
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(s,)) for s in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for seed in (0, 1):
        params, history = results[seed]
        exp_params, exp_history = expected[seed]
        assert history == exp_history            # bitwise: same arithmetic, no interference
        for a, b in zip(params, exp_params, strict=True):
            np.testing.assert_array_equal(a, b)
    assert expected[0][1][-1] < 0.5 * expected[0][1][0]   # it did train


def test_recording_in_one_thread_does_not_record_in_another():
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def other() -> None:
        inside.wait()
        x = ga.tensor([1.0, 2.0])
        seen["recording"] = ga.is_recording()
        seen["traces"] = len(STATE.traces)
        seen["node"] = np.sin(x)._node
        release.set()

    t = threading.Thread(target=other)
    t.start()

    def f(x):
        inside.set()
        release.wait(timeout=30)
        assert ga.is_recording()
        return np.sum(x * x)

    g = ga.grad(f)(ga.tensor([1.0, 2.0]))
    t.join()
    assert seen == {"recording": False, "traces": 0, "node": None}
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])


def test_no_grad_is_per_thread():
    done = threading.Event()
    seen = {}

    def other() -> None:
        seen["g"] = ga.grad(lambda x: np.sum(x ** 3))(ga.tensor([2.0])).numpy()
        done.set()

    with ga.no_grad():
        t = threading.Thread(target=other)
        t.start()
        done.wait(timeout=30)
        t.join()
    np.testing.assert_array_equal(seen["g"], [12.0])
