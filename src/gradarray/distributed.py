"""Data-parallel gradients on Dask: the sum over shards of a function's value and gradient.

``fun(params, *shard)`` is ordinary gradarray-differentiable code for one shard of the data;
:func:`value_and_grad` returns ``vg(params, shards)``, the sum over the shards of
``ga.value_and_grad(fun)(params, *shard)``, computed where the shards live:

- the function is sent once per worker, as a Dask worker plugin registered by ``vg`` on its
  first call with a client (workers that join or restart later receive it too), never once
  per call;
- a list of NumPy tuples is scattered on first use, each worker getting a contiguous block of
  shards, and reused while the same list holding the same arrays comes back (a Dask array or
  a list of futures is already on the workers and is used where it is);
- per step the parameters go to each worker once (inside the tasks, or one broadcast when
  large); one task per worker thread computes the values and gradients of that worker's
  shards and adds them, and the partial sums are added pairwise on the workers (a tree of
  ``_combine`` tasks, so only one gradient per worker crosses the network); the one final
  sum comes back to the client.

Dask is optional (``pip install gradarray[distributed]``); nothing here imports it at import
time, and with no client (none given and none current, or Dask not installed) the same tree
runs in this process, so code written for a cluster runs on a laptop unchanged.
"""

from __future__ import annotations

import functools
import sys
import threading
import uuid
import weakref
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from ._tree import tree_flatten, tree_unflatten
from .tensor import Tensor, asarray
from .transforms import value_and_grad as _local_value_and_grad

__all__ = ["value_and_grad", "grad", "scatter"]

# A step whose data was lost with a worker is rerun after re-sending what the client holds;
# more losses than this in one step are reported instead.
_MAX_RESENDS = 3
# Parameters up to this size are sent inside each task rather than scattered first.
_INLINE_BYTES = 1 << 20


class _Part(NamedTuple):
    """The summed value and gradient leaves of some shards, as plain ndarrays."""

    shards: tuple       # their indices
    value: np.ndarray
    grads: list
    treedef: Any
    rows: int


# ---------------------------------------------------------------- on the workers

def _shard_part(fun: Callable, args: tuple, shard: tuple, index: int,
                argnums: int | tuple[int, ...]) -> _Part:
    """One shard's value and gradient (runs on a worker, or here without a client)."""
    value, g = _local_value_and_grad(fun, argnums)(*args, *shard)
    leaves, treedef = tree_flatten(g)
    rows = np.shape(shard[0])[0] if shard and np.ndim(shard[0]) else 1
    return _Part((index,), _plain(value), [_plain(x) for x in leaves], treedef, rows)


def _group_part(fun: Callable, args: tuple, shards: list, indices: list,
                argnums: int | tuple[int, ...]) -> _Part:
    """The summed parts of shards on one worker: one task for several shards, as each task
    costs milliseconds of scheduling."""
    return _tree_sum([_shard_part(fun, args, _as_tuple(s), i, argnums)
                      for s, i in zip(shards, indices)], _combine)


def _combine(a: _Part, b: _Part) -> _Part:
    """The sum of two neighbouring partial results; disagreeing shapes are an error."""
    if a.treedef != b.treedef or a.value.shape != b.value.shape or \
            any(x.shape != y.shape for x, y in zip(a.grads, b.grads)):
        raise ValueError(
            f"gradarray.distributed: shards {_span(a)} and {_span(b)} returned results of "
            f"different shapes (value {a.value.shape} vs {b.value.shape}, gradient "
            f"{[x.shape for x in a.grads]} vs {[y.shape for y in b.grads]}); every shard's "
            "fun(params, *shard) must return a value and a gradient of the same shapes")
    # New arrays, never in place: a task may be rerun on its inputs after a worker is lost.
    return _Part(a.shards + b.shards, a.value + b.value, [x + y for x, y in zip(a.grads, b.grads)],
                 a.treedef, a.rows + b.rows)


def _span(p: _Part) -> str:
    return _span_of(p.shards)


def _span_of(indices: Sequence[int]) -> str:
    """``0-3,8``: shard indices as ranges."""
    runs: list = []
    for i in indices:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _plain(x: Any) -> Any:
    return x.numpy() if isinstance(x, Tensor) else np.asarray(x)


def _tree_sum(parts: list, combine: Callable) -> Any:
    """Pairwise sums of neighbours until one is left (depth ceil(log2(len(parts))))."""
    while len(parts) > 1:
        paired = [combine(parts[k], parts[k + 1]) for k in range(0, len(parts) - 1, 2)]
        parts = paired + parts[len(parts) - len(parts) % 2:]
    return parts[0]


# ---------------------------------------------------------------- on the client

def _dask_client(client: Any) -> Any:
    """``client``, else the current Dask client, else None (run here)."""
    if client is not None:
        return client
    if "distributed" not in sys.modules:   # no client can exist: do not import Dask
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def _is_dask_array(x: Any) -> bool:
    return hasattr(x, "__dask_graph__") and hasattr(x, "chunks")


def _is_future(x: Any) -> bool:
    return hasattr(x, "key") and hasattr(x, "status") and hasattr(x, "client")


def _as_tuple(shard: Any) -> tuple:
    return tuple(shard) if isinstance(shard, (tuple, list)) else (shard,)


def _leading_args(args: tuple, argnums: Any, fname: str) -> tuple[tuple, Any]:
    """The parameters (every argument of vg but the last), as plain arrays, and argnums."""
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not 0 <= a < len(args):
            raise ValueError(
                f"argnums {argnums!r} must pick among the {len(args)} parameter argument(s) "
                f"given before the shards (0..{len(args) - 1}) of {fname}: the gradient with "
                "respect to a shard's data is one per shard, not a sum")
    plain = []
    for x in args:
        leaves, treedef = tree_flatten(x)
        plain.append(tree_unflatten(treedef, [_plain(v) if isinstance(v, Tensor) else v
                                              for v in leaves]))
    return tuple(plain), argnums


def _nbytes(tree: Any) -> int:
    return sum(getattr(x, "nbytes", 8) for x in tree_flatten(tree)[0])


def _result(part: _Part, mean: bool) -> tuple[Tensor, Any]:
    value, grads = part.value, part.grads
    if mean:
        value = value / part.rows
        grads = [g / part.rows for g in grads]
    return asarray(value), tree_unflatten(part.treedef, [asarray(g) for g in grads])


class _Scattered:
    """Shards on the workers, and how they are grouped into tasks."""

    __slots__ = ("shards", "groups", "source", "ids", "keep")

    def __init__(self, client: Any, shards: list, source: list | None = None,
                 keep: Any = None, ids: tuple | None = None) -> None:
        self.shards = shards      # one future (or tuple of futures) per shard
        self.source = source      # the client's copy (NumPy shards), for re-sending
        self.ids = ids            # identities of the arrays that were sent
        self.keep = keep          # what the cache key's ids belong to, kept alive
        self.groups = _groups(client, shards)   # fixed: a rerun sums in the same order


def _groups(client: Any, shards: list) -> list[list[int]]:
    """Shard indices in tasks: each worker's shards (in index order) in as many contiguous
    groups as it has threads; the groups in the order of their workers, then of index."""
    first = [s[0] if isinstance(s, tuple) else s for s in shards]
    who = client.who_has(first)
    nthreads = client.nthreads()
    by_worker: dict = {}
    for i, f in enumerate(first):
        holders = who.get(f.key) or (None,)
        by_worker.setdefault(holders[0], []).append(i)
    groups = []
    for worker in sorted(by_worker, key=lambda w: by_worker[w][0]):
        idx = by_worker[worker]
        k = max(1, min(len(idx), nthreads.get(worker, 1)))
        groups.extend(idx[j * len(idx) // k:(j + 1) * len(idx) // k] for j in range(k))
    return groups


def _workers(client: Any) -> list:
    workers = sorted(client.nthreads())
    if not workers:
        raise RuntimeError("gradarray.distributed: the Dask cluster has no workers")
    return workers


def _scatter_blocks(client: Any, shards: list, workers: list) -> list:
    """Scatter ``shards`` in contiguous blocks, one block per worker, in order."""
    futures: list = []
    n, w = len(shards), len(workers)
    for j, worker in enumerate(workers):
        block = shards[j * n // w:(j + 1) * n // w]
        if block:
            futures.extend(client.scatter(block, workers=[worker], hash=False))
    return futures


def scatter(shards: Sequence[tuple], client: Any = None) -> list:
    """Send a list of shards to the workers once; pass the result to ``vg`` at every step.

    Each worker receives a contiguous block of shards (so the first levels of the tree of
    partial sums stay on one worker).  The client's copy can then be dropped; data scattered
    this way has no lineage, so if a worker holding some of it dies, the step that needs it
    fails with an error naming the lost shards (pass the NumPy list to ``vg`` itself, which
    keeps the client's copy and re-sends it, or build the data with Dask, which recomputes it).

    Parameters
    ----------
    shards : sequence of tuple of array_like
        One tuple of arrays per shard (a bare array is a one-array shard).
    client : distributed.Client, optional
        The current Dask client by default.

    Returns
    -------
    list of distributed.Future
        One future per shard, holding the shard's tuple.
    """
    client = _dask_client(client)
    if client is None:
        raise ValueError("gradarray.distributed.scatter needs a Dask client (none is current):"
                         " create one with distributed.Client(...), or pass the NumPy shards "
                         "to vg directly to run here")
    return _scatter_blocks(client, [_as_tuple(s) for s in shards], _workers(client))


class _DistributedValueAndGrad:
    """``vg(*params, shards)``; see :func:`value_and_grad`."""

    def __init__(self, fun: Callable, client: Any, argnums: Any, mean: bool) -> None:
        self.fun, self.client, self.argnums, self.mean = fun, client, argnums, mean
        self._lock = threading.Lock()
        self._fn: tuple | None = None            # (client, name of the plugin with fun)
        self._data: dict = {}                    # cache key -> _Scattered
        functools.update_wrapper(self, fun)

    def __call__(self, *args: Any) -> tuple[Tensor, Any]:
        name = getattr(self.fun, "__name__", repr(self.fun))
        if len(args) < 2:
            raise TypeError(f"vg takes the parameters then the shards: vg(params, shards), got "
                            f"{len(args)} argument(s)")
        params, argnums = _leading_args(args[:-1], self.argnums, name)
        shards = args[-1]
        client = _dask_client(self.client)
        if client is None:
            part = _tree_sum([_shard_part(self.fun, params, s, i, argnums)
                              for i, s in enumerate(self._local_shards(shards))], _combine)
        else:
            part = self._on_cluster(client, params, argnums, shards)
        return _result(part, self.mean)

    # ---------------------------------------------------------------- without a client

    def _local_shards(self, shards: Any) -> list:
        if isinstance(shards, (tuple, list)) and shards and all(map(_is_dask_array, shards)):
            import dask

            return [dask.compute(*(a.blocks[i] for a in shards))
                    for i in range(_check_columns(shards))]
        shards = [_as_tuple(s) for s in shards]
        if any(_is_future(x) for s in shards for x in s):
            raise ValueError("these shards are Dask futures but no Dask client is current: "
                             "pass client=... to gradarray.distributed.value_and_grad")
        if not shards:
            raise ValueError("vg needs at least one shard")
        return shards

    # ---------------------------------------------------------------- on a cluster

    def _on_cluster(self, client: Any, params: tuple, argnums: Any, shards: Any) -> _Part:
        from distributed.client import FutureCancelledError

        from ._dask import group_task

        with self._lock:
            data = self._prepare(client, shards)
            fn = self._function(client)
        for attempt in range(_MAX_RESENDS + 1):
            # Small parameters ride in the tasks (one message fewer); large ones are sent
            # to each worker once, and the tasks refer to them.
            params_f = params if _nbytes(params) <= _INLINE_BYTES else \
                client.scatter([params], broadcast=True, hash=False)[0]
            tag = uuid.uuid4().hex[:12]
            parts = [client.submit(group_task, fn, _group_part, params_f,
                                   [data.shards[i] for i in g], g, argnums, pure=False,
                                   key=f"gradarray-shards-{_span_of(g)}-{tag}")
                     for g in data.groups]
            top = _tree_sum(parts, lambda a, b: client.submit(
                _combine, a, b, pure=False, key=f"gradarray-sum-{uuid.uuid4().hex[:12]}"))
            try:
                return top.result()
            except FutureCancelledError:
                # A worker died with data that has no lineage (scattered); Dask reruns lost
                # tasks itself but cannot recreate scattered data: re-send what we hold.
                with self._lock:
                    if attempt == _MAX_RESENDS:
                        raise
                    self._resend(client, data)
        raise AssertionError("unreachable")

    def _function(self, client: Any) -> str:
        """The name of the worker plugin carrying ``fun`` to ``client``'s workers."""
        if self._fn is None or self._fn[0] is not client:
            from ._dask import FunctionPlugin

            name = f"gradarray-fun-{uuid.uuid4().hex}"
            client.register_plugin(FunctionPlugin(self.fun), name=name)
            weakref.finalize(self, _unregister, client, name)
            self._fn = (client, name)
        return self._fn[1]

    def _prepare(self, client: Any, shards: Any) -> _Scattered:
        """Shards on the workers, sent or persisted on first use and cached."""
        if isinstance(shards, (tuple, list)) and shards and all(map(_is_dask_array, shards)):
            key = ("dask", id(client)) + tuple(a.name for a in shards)
            if key not in self._data:
                self._data = {k: v for k, v in self._data.items() if k[0] != "dask"}
                self._data[key] = _persist_columns(client, shards)
            return self._data[key]
        given = shards
        shards = [_as_tuple(s) for s in given]
        if not shards:
            raise ValueError("vg needs at least one shard")
        if all(_is_future(x) for s in shards for x in s):
            return _Scattered(client, [s[0] if len(s) == 1 else s for s in shards])
        if any(_is_future(x) for s in shards for x in s):
            raise TypeError("a shard mixes Dask futures and local arrays: scatter the local "
                            "arrays too (gradarray.distributed.scatter)")
        # NumPy shards: cached while the same list holds the same arrays (the cache keeps a
        # reference to the list, so its id is not reused); arrays changed in place are not
        # seen (documented).
        key = ("numpy", id(client), id(given))
        ids = tuple(id(x) for s in shards for x in s)
        hit = self._data.get(key)
        if hit is None or hit.ids != ids:
            self._data = {k: v for k, v in self._data.items() if k[0] != "numpy"}
            hit = self._data[key] = _Scattered(
                client, _scatter_blocks(client, shards, _workers(client)), source=shards,
                keep=given, ids=ids)
        return hit

    def _resend(self, client: Any, data: _Scattered) -> None:
        """Re-scatter the shards lost with a worker from the client's copy."""
        lost = [i for i, f in enumerate(data.shards)
                if _is_future(f) and f.status != "finished"]
        if not lost:
            return          # only the parameters or partial sums were lost: rerun
        if data.source is None:
            raise RuntimeError(
                f"gradarray.distributed: shards {lost} were lost with a worker and were "
                "scattered without lineage, so they cannot be recreated; pass the NumPy shards "
                "to vg (it keeps the client's copy and re-sends it) or build them with Dask "
                "(dask.array / dask.delayed loaders are recomputed)")
        workers = _workers(client)
        for k, i in enumerate(lost):
            data.shards[i] = client.scatter(data.source[i], workers=[workers[k % len(workers)]],
                                            hash=False)


def _unregister(client: Any, name: str) -> None:
    try:
        if client.status == "running":
            client.unregister_worker_plugin(name)
    except Exception:  # a client closing at exit: nothing left to clean
        pass


def _check_columns(arrays: Sequence[Any]) -> int:
    """Number of row blocks of Dask arrays used as columns (chunked along axis 0 only)."""
    first = arrays[0].chunks[0]
    for a in arrays:
        if a.chunks[0] != first or any(len(c) != 1 for c in a.chunks[1:]):
            raise ValueError(
                "Dask arrays given as shards must be chunked along their first axis only, "
                f"the same way: got chunks {[b.chunks for b in arrays]}; use "
                "a.rechunk({0: rows_per_shard, **{i: -1 for i in range(1, a.ndim)}})")
    return len(first)


def _persist_columns(client: Any, arrays: Sequence[Any]) -> _Scattered:
    """One tuple of block futures per row block, in an order that groups blocks by worker."""
    from distributed import futures_of

    n = _check_columns(arrays)
    persisted = client.persist(list(arrays))
    futures = {f.key: f for f in futures_of(persisted)}
    blocks = [[futures[k] for k in _flat_keys(a.__dask_keys__())] for a in persisted]
    client.wait_for_workers(1)
    from distributed import wait

    wait(futures.values())      # placed, so that the shards can be grouped by worker
    return _Scattered(client, [tuple(b[i] for b in blocks) for i in range(n)], keep=persisted)


def _flat_keys(keys: Any) -> list:
    if isinstance(keys, list):
        return [k for sub in keys for k in _flat_keys(sub)]
    return [keys]


def value_and_grad(fun: Callable, *, client: Any = None, argnums: int | Sequence[int] = 0,
                   mean: bool = False) -> Callable:
    """``vg(params, shards)``: the sum over shards of ``fun``'s value and gradient, on Dask.

    Parameters
    ----------
    fun : callable
        ``fun(params, *shard)`` (more parameter arguments are allowed: ``fun(w, b, *shard)``
        with ``vg(w, b, shards)``): plain gradarray-differentiable code for one shard,
        returning a scalar.
    client : distributed.Client, optional
        Where to run.  By default the current Dask client at each call, or, when there is
        none (or Dask is not installed), this process: the same code runs without a cluster.
    argnums : int or tuple of int
        Which parameter arguments to differentiate (as in :func:`gradarray.value_and_grad`;
        each may be a nested dict, list or tuple of arrays).
    mean : bool
        Divide the summed value and gradient by the total number of rows (the length of each
        shard's first array): the mean over the whole data set of a per-row loss that ``fun``
        sums over its shard.

    Returns
    -------
    callable
        ``vg(*params, shards) -> (value, gradient)`` with the types of
        :func:`gradarray.value_and_grad`.  ``shards`` is a list of tuples of NumPy arrays
        (scattered on first use, then reused while the same list of the same arrays is
        passed), the list of futures returned by :func:`scatter`, or a tuple of Dask arrays
        chunked along their first axis (each row block is a shard; persisted once).

    Examples
    --------
    >>> import numpy as np, gradarray.distributed as gd
    >>> def sq_error(w, x, y):
    ...     return np.sum((x @ w - y) ** 2)
    >>> x, y = np.arange(12.0).reshape(6, 2), np.ones(6)
    >>> vg = gd.value_and_grad(sq_error)                 # no Dask client: runs here
    >>> vg(np.zeros(2), [(x[:3], y[:3]), (x[3:], y[3:])])
    (Tensor(6.), Tensor([-60., -72.]))
    """
    return _DistributedValueAndGrad(fun, client, argnums, mean)


def grad(fun: Callable, *, client: Any = None, argnums: int | Sequence[int] = 0,
         mean: bool = False) -> Callable:
    """``g(params, shards)``: the sum (or ``mean=True``: the per-row mean) of the gradients.

    The gradient of :func:`value_and_grad`, with the same parameters.

    Examples
    --------
    >>> import numpy as np, gradarray.distributed as gd
    >>> g = gd.grad(lambda w, x: np.sum(w * x), mean=True)
    >>> g(np.zeros(1), [(np.array([1.0, 2.0]),), (np.array([6.0]),)])
    Tensor([3.])
    """
    vg = _DistributedValueAndGrad(fun, client, argnums, mean)

    @functools.wraps(fun)
    def grad_f(*args: Any) -> Any:
        return vg(*args)[1]

    return grad_f
