"""gradarray.distributed: every result against single-process ``ga.value_and_grad`` on the
concatenated data (1e-12 relative, float64), locally and on a ``LocalCluster`` of 2 worker
processes; the function goes to each worker once, the data once; a worker's exception, shards
of different shapes and a worker killed in the middle of a step."""

from __future__ import annotations

import os
import subprocess
import sys
import traceback

import numpy as np
import pytest

import gradarray as ga
import gradarray.distributed as gd

RTOL = 1e-12


def nll(params, x, y):
    """Logistic regression's negative log-likelihood, summed over the shard's rows."""
    z = x @ params["w"] + params["bias"][0]
    return np.sum(np.logaddexp(0.0, z) - y * z)


def nll2(w, b, x, y):
    z = x @ w + b
    return np.sum(np.logaddexp(0.0, z) - y * z)


def make_data(n=600, d=3, n_shards=5, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-x @ np.arange(1.0, d + 1)))).astype(float)
    bounds = np.linspace(0, n, n_shards + 1).astype(int)
    shards = [(x[a:b], y[a:b]) for a, b in zip(bounds, bounds[1:])]
    params = {"w": rng.normal(size=d) * 0.1, "bias": [np.array(0.3)]}
    return x, y, shards, params


def assert_close(got, want):
    got_leaves, want_leaves = (ga._tree.tree_flatten(t)[0] for t in (got, want))
    assert len(got_leaves) == len(want_leaves)
    for a, b in zip(got_leaves, want_leaves):
        a, b = np.asarray(a), np.asarray(b)
        assert a.shape == b.shape and a.dtype == b.dtype == np.float64
        assert np.max(np.abs(a - b)) <= RTOL * max(np.max(np.abs(b)), 1e-300), (a, b)


def assert_same_structure(got, want):
    assert ga._tree.tree_flatten(got)[1] == ga._tree.tree_flatten(want)[1]


# ---------------------------------------------------------------- without Dask

def test_importing_gradarray_does_not_import_dask():
    code = ("import sys, numpy as np, gradarray, gradarray.distributed as gd\n"
            "vg = gd.value_and_grad(lambda w, x: np.sum(w * x))\n"
            "v, g = vg(np.ones(2), [(np.ones(2),), (np.full(2, 2.0),)])\n"
            "assert float(v) == 6.0 and g.tolist() == [3.0, 3.0]\n"
            "assert 'dask' not in sys.modules and 'distributed' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr


def test_local_equals_single_process():
    x, y, shards, params = make_data()
    v, g = gd.value_and_grad(nll)(params, shards)
    v0, g0 = ga.value_and_grad(nll)(params, x, y)
    assert_close(v, v0)
    assert_close(g, g0)
    assert_same_structure(g, g0)
    assert isinstance(v, ga.Tensor)


def test_local_mean_grad_and_argnums():
    x, y, shards, params = make_data(n=301, n_shards=4)
    w, b = params["w"], 0.3
    mean_nll = lambda w, b, x, y: nll2(w, b, x, y) / len(x)
    v0, g0 = ga.value_and_grad(mean_nll, argnums=(0, 1))(w, b, x, y)
    v, g = gd.value_and_grad(nll2, argnums=(0, 1), mean=True)(w, b, shards)
    assert_close(v, v0)
    assert_close(g, g0)
    assert_close(gd.grad(nll2, mean=True)(w, b, shards), g0[0])
    with pytest.raises(ValueError, match="argnums"):
        gd.value_and_grad(nll2, argnums=2)(w, b, shards)


def test_local_shape_mismatch_is_named():
    shards = [(np.ones(3),), (np.ones((3, 1)),)]
    f = lambda w, x: np.sum(w * x, keepdims=True)     # (1,) on one shard, (1, 1) on the other
    with pytest.raises(ValueError, match="shards 0 and 1 returned results of different shapes"):
        gd.value_and_grad(f)(np.ones(1), shards)


# ---------------------------------------------------------------- on a LocalCluster

@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, worker_dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_cluster_equals_single_process(client, monkeypatch):
    x, y, shards, params = make_data()
    v0, g0 = ga.value_and_grad(nll)(params, x, y)
    for vg in (gd.value_and_grad(nll, client=client), gd.value_and_grad(nll)):  # current client
        v, g = vg(params, shards)
        assert_close(v, v0)
        assert_close(g, g0)
        assert_same_structure(g, g0)
    # The same tree of sums in the same order as without a client (BLAS threads may differ
    # between this process and the workers, so not always bit for bit).
    monkeypatch.setattr(gd, "_dask_client", lambda client: None)
    vl, gl = gd.value_and_grad(nll)(params, shards)
    assert_close(v, vl)
    assert_close(g, gl)


def test_cluster_mean_grad_and_argnums(client):
    x, y, shards, params = make_data(n=501, n_shards=7, seed=1)
    w, b = params["w"], 0.3
    mean_nll = lambda w, b, x, y: nll2(w, b, x, y) / len(x)
    v0, g0 = ga.value_and_grad(mean_nll, argnums=(0, 1))(w, b, x, y)
    v, g = gd.value_and_grad(nll2, argnums=(0, 1), mean=True, client=client)(w, b, shards)
    assert_close(v, v0)
    assert_close(g, g0)
    assert_close(gd.grad(nll2, mean=True, client=client)(w, b, shards), g0[0])


def test_cluster_dask_arrays_and_scattered_futures(client):
    da = pytest.importorskip("dask.array")
    x, y, shards, params = make_data(n=400, n_shards=4, seed=2)
    v0, g0 = ga.value_and_grad(nll)(params, x, y)
    vg = gd.value_and_grad(nll, client=client)
    columns = (da.from_array(x, chunks=(90, -1)), da.from_array(y, chunks=90))
    for shards_on_workers in (columns, gd.scatter(shards, client)):
        v, g = vg(params, shards_on_workers)
        assert_close(v, v0)
        assert_close(g, g0)
    with pytest.raises(ValueError, match="chunked along their first axis only"):
        vg(params, (da.from_array(x, chunks=(90, 1)), columns[1]))


def test_data_is_sent_once(client, monkeypatch):
    x, y, shards, params = make_data(n=2000, n_shards=6, seed=3)
    sent = []
    scatter = client.scatter

    def spy(data, *args, **kwargs):
        sent.append(sum(a.nbytes for a in _arrays(data)))
        return scatter(data, *args, **kwargs)

    monkeypatch.setattr(client, "scatter", spy)
    vg = gd.value_and_grad(nll, client=client)
    results = [vg(params, shards) for _ in range(3)]
    data_bytes = x.nbytes + y.nbytes
    params_bytes = sum(np.asarray(p).nbytes for p in ga._tree.tree_flatten(params)[0])
    assert sum(sent) == data_bytes            # the shards, once (small parameters ride in
    assert len(sent) == 2                     # the tasks): one scatter per worker's block
    futures = [list(c.shards) for c in vg._data.values()]
    vg(params, shards)
    assert [list(c.shards) for c in vg._data.values()] == futures    # the same futures
    for v, _ in results[1:]:
        assert float(v) == float(results[0][0])
    # A new list (or new arrays) is sent again.
    sent.clear()
    new = list(shards)
    vg(params, new)
    assert sum(sent) == data_bytes
    # Large parameters are scattered once per call (to every worker), the data still not.
    monkeypatch.setattr(gd, "_INLINE_BYTES", 0)
    sent.clear()
    vg(params, new)
    assert sent == [params_bytes]


def _arrays(obj):
    if isinstance(obj, np.ndarray):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _arrays(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _arrays(o)


class CountingLoss:
    """nll, counting how often it is unpickled in each process."""

    loads = 0

    def __init__(self):
        self.name = "nll"     # some state, so that unpickling calls __setstate__

    def __call__(self, params, x, y):
        return nll(params, x, y)

    def __setstate__(self, state):
        self.__dict__.update(state)
        type(self).loads += 1


def _loads():
    return CountingLoss.loads


def test_function_is_sent_once_per_worker(client):
    x, y, shards, params = make_data(n=300, n_shards=6, seed=4)
    before = client.run(_loads)
    vg = gd.value_and_grad(CountingLoss(), client=client)
    for _ in range(3):
        vg(params, shards)
    after = client.run(_loads)
    assert sorted(after) == sorted(before)
    assert all(after[w] - before[w] == 1 for w in after), (before, after)


class Boom:
    def __call__(self, params, x, y):
        if len(x) == 7:
            raise_on_worker(os.getpid())
        return nll(params, x, y)


def raise_on_worker(pid):
    raise ZeroDivisionError(f"shard of 7 rows on pid {pid}")


def test_worker_exception_reraised_with_its_traceback(client):
    x, y, shards, params = make_data(n=27, n_shards=3, seed=5)
    shards[1] = (shards[1][0][:7], shards[1][1][:7])
    with pytest.raises(ZeroDivisionError, match="shard of 7 rows") as info:
        gd.value_and_grad(Boom(), client=client)(params, shards)
    text = "".join(traceback.format_exception(info.value))
    assert "raise_on_worker" in text and "__call__" in text     # the worker's frames
    assert f"pid {os.getpid()}" not in str(info.value)     # it ran in a worker process


def test_shape_mismatch_on_the_cluster(client):
    shards = [(np.ones(3),), (np.ones(3),), (np.ones((3, 1)),)]
    f = lambda w, x: np.sum(w * x, keepdims=True)
    # Grouped by worker: shards 0-1 and 2, or 0 and 1-2, or 1 and 2 (one worker's group).
    with pytest.raises(ValueError, match=r"shards [0-9,-]+ and [0-9,-]*2 returned results of "
                                         r"different shapes \(value \(1,\) vs \(1, 1\)"):
        gd.value_and_grad(f, client=client)(np.ones(1), shards)


# ---------------------------------------------------------------- a worker killed mid-step

class KillOnce:
    """nll; the first call (in any process) kills its worker process in the middle of it."""

    def __init__(self, marker):
        self.marker = marker

    def __call__(self, params, x, y):
        if not os.path.exists(self.marker):
            open(self.marker, "w").close()
            os._exit(1)
        return nll(params, x, y)


def test_killed_worker_during_a_step(tmp_path, monkeypatch):
    distributed = pytest.importorskip("distributed")
    da = pytest.importorskip("dask.array")
    x, y, shards, params = make_data(n=800, n_shards=8, seed=6)
    v0, g0 = ga.value_and_grad(nll)(params, x, y)
    resent = []
    resend = gd._DistributedValueAndGrad._resend

    def spy(self, client, data):
        resent.append([i for i, f in enumerate(data.shards) if f.status != "finished"])
        return resend(self, client, data)

    monkeypatch.setattr(gd._DistributedValueAndGrad, "_resend", spy)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", worker_dashboard_address=":0") as lc, \
            distributed.Client(lc) as c:
        v_ok, g_ok = gd.value_and_grad(nll, client=c)(params, shards)
        # NumPy shards: scattered (no lineage); the shards on the dead worker are re-sent
        # from the client's copy, the lost tasks rerun.
        v, g = gd.value_and_grad(KillOnce(str(tmp_path / "a")), client=c)(params, shards)
        assert (tmp_path / "a").exists()
        assert resent in ([[0, 1, 2, 3]], [[4, 5, 6, 7]])     # the dead worker's block
        # Equal to rounding (1e-12 relative), not always to the bit: the re-sent shards may
        # sit at another memory alignment, and NumPy's SIMD sums depend on it.
        assert_close(v, v_ok)
        assert_close(g, g_ok)
        assert_close(v, v0)
        assert_close(g, g0)
        # Dask arrays: Dask recomputes the lost blocks and reruns the tasks by itself.
        c.wait_for_workers(2, timeout=60)
        columns = (da.from_array(x, chunks=(100, -1)), da.from_array(y, chunks=100))
        vg = gd.value_and_grad(KillOnce(str(tmp_path / "b")), client=c)
        v, g = vg(params, columns)
        assert (tmp_path / "b").exists()
        assert len(resent) == 1          # nothing to re-send: Dask did it all
        assert_close(v, v0)
        assert_close(g, g0)
