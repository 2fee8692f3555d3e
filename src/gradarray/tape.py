"""GradientTape: TensorFlow 2's way of asking for gradients.

Only what runs inside the ``with`` block is recorded.  Trainable Variables read inside it are
watched automatically (``watch_accessed_variables=True``); other Tensors by ``tape.watch``.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from . import _state
from ._tree import tree_flatten, tree_unflatten
from .dispatch import TENSOR_TYPES, wrap
from .graph import leaf
from .tensor import Tensor
from .tfe import flat_outputs, gradients_of
from .transforms import Trace
from .variables import Variable

__all__ = ["GradientTape"]

_USED = ("A non-persistent GradientTape can only be used to compute one set of gradients "
         "(or jacobians); create it with GradientTape(persistent=True) to call gradient or "
         "jacobian several times")


class GradientTape:
    """Record operations for automatic differentiation (``tf.GradientTape``).

    Parameters
    ----------
    persistent : bool
        Allow several calls of ``gradient``/``jacobian`` (a non-persistent tape allows one).
    watch_accessed_variables : bool
        Watch every trainable Variable read inside the block automatically.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> x = ga.tensor(3.0)
    >>> with ga.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x)
    Tensor(6.)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._trace = Trace(watch_variables=watch_accessed_variables)
        self._recording = False
        self._used = False
        # id(watched Tensor) -> weak references to it and to its node when watched: the
        # Tensor may be overwritten in place after the tape closed, which unlinks it from
        # the graph (that the recorded values keep alive).
        self._watched: dict = {}

    # ------------------------------------------------------------------ recording
    def __enter__(self) -> GradientTape:
        if self._used and not self._persistent:
            raise RuntimeError(_USED)
        _state.push_trace(self._trace)
        self._recording = True
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._recording:
            _state.pop_trace(self._trace)
            self._recording = False

    def watch(self, tensor: Any) -> None:
        """Make ``tensor`` (a Tensor, Variable, or nested lists/tuples/dicts of them) a source.

        A Tensor with no graph node gets a new source node; integer/bool ones are not
        watched (with a warning), as in TF.
        """
        for t in tree_flatten(tensor)[0]:
            if t.__class__ not in TENSOR_TYPES:   # Tensors, Variables, GPU Tensors
                raise TypeError(
                    f"GradientTape.watch needs a gradarray Tensor or Variable, got "
                    f"{type(t).__name__}; convert it first (x = ga.tensor(x)) and compute "
                    "with the converted value")
            if t.dtype.kind not in "fc":
                warnings.warn(f"the watched value has dtype {t.dtype}: gradients exist only "
                              "for floating and complex values, so it is not watched",
                              stacklevel=2)
                continue
            if isinstance(t, Variable):
                self._trace.variables[id(t)] = t
            else:
                if t._node is None:
                    t._node = leaf(t.shape, t.dtype)
                self._watched[id(t)] = (_ref(t), weakref.ref(t._node))

    @contextmanager
    def stop_recording(self) -> Iterator[None]:
        """Temporarily stop recording (every tape of this thread, unlike TF's, which stops
        only this one)."""
        if not self._recording:
            raise RuntimeError("GradientTape.stop_recording() can only be used in a context "
                               "manager, while the tape is recording")
        _state.pause()
        try:
            yield
        finally:
            _state.resume()

    def reset(self) -> None:
        """Forget the watched variables and allow the tape to be used again.

        Differs from TF: values computed before the reset stay differentiable with respect
        to the Tensors they were recorded from (the graph lives on the values, not the tape).
        """
        self._trace.variables.clear()
        self._watched.clear()
        self._used = False

    def watched_variables(self) -> tuple[Variable, ...]:
        """The Variables watched so far, in creation order."""
        return tuple(sorted(self._trace.variables.values(), key=_creation))

    # ------------------------------------------------------------------ gradients
    def _start(self) -> None:
        if self._used and not self._persistent:
            raise RuntimeError(_USED)
        self._used = True
        if self._recording and not self._persistent:
            # As TF: a non-persistent tape stops recording when its gradient is taken.
            _state.pop_trace(self._trace)
            self._recording = False

    def _node_of(self, s: Any) -> Any:
        if isinstance(s, Variable):
            return s._node if id(s) in self._trace.variables else None
        if s.__class__ in TENSOR_TYPES:
            node = s._node
            if node is None:
                # Overwritten in place since it was watched (a write outside any recording
                # unlinks it): the gradient is the one at the recorded value, whose saved
                # copies the write made (or the backward pass raises if it could not).
                w = self._watched.get(id(s))
                if w is not None and w[0]() is s:
                    node = w[1]()
            return node
        raise TypeError(f"gradient sources must be gradarray Tensors or Variables, got "
                        f"{type(s).__name__}")

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: str = "none") -> Any:
        """Gradient of ``target`` (summed if not scalar) for each of ``sources``.

        Parameters
        ----------
        target : Tensor or nested structure of Tensors
        sources : Tensor, Variable, or nested lists/tuples/dicts of them
        output_gradients : same structure as ``target``, optional
            The gradient of something with respect to ``target`` (default: ones).
        unconnected_gradients : {"none", "zero"}
            What a source the target does not depend on gets.

        Returns
        -------
        The gradients, with the structure of ``sources``.
        """
        zero = _unconnected(unconnected_gradients)
        self._start()
        src, treedef = tree_flatten(sources)
        nodes = [self._node_of(s) for s in src]
        outs = flat_outputs(target, "the target")
        grads = _backward(outs, output_gradients, nodes)
        return tree_unflatten(treedef, _fill(grads, src, zero))

    def jacobian(self, target: Any, sources: Any, unconnected_gradients: str = "none",
                 parallel_iterations: Any = None, experimental_use_pfor: bool = True) -> Any:
        """The Jacobian of ``target``: for each source, shape ``target.shape + source.shape``."""
        zero = _unconnected(unconnected_gradients)
        self._start()
        src, treedef = tree_flatten(sources)
        nodes = [self._node_of(s) for s in src]
        t = flat_outputs(target, "the target")
        if len(t) != 1:
            raise ValueError("jacobian takes a single target Tensor")
        t = t[0]
        rows: list = [[] for _ in src]
        for k in range(t.size):
            e = np.zeros_like(t._raw, shape=t.size)   # on t's device
            e[k] = 1
            gs = _backward([t], [e.reshape(t.shape)], nodes)
            for r, g in zip(rows, gs, strict=True):
                r.append(g)
        out = []
        for r, s in zip(rows, src, strict=True):
            shape = t.shape + s.shape
            if t.size and all(g is None for g in r):
                out.append(wrap(np.zeros_like(s._raw, shape=shape)) if zero else None)
                continue
            z = np.zeros_like(s._raw)
            rs = [wrap(z) if g is None else g for g in r]
            j = np.stack(rs) if rs else wrap(np.zeros_like(s._raw, shape=shape))
            out.append(np.reshape(j, shape))
        return tree_unflatten(treedef, out)

    def batch_jacobian(self, target: Tensor, source: Tensor,
                       unconnected_gradients: str = "none", parallel_iterations: Any = None,
                       experimental_use_pfor: bool = True) -> Any:
        """Per-example Jacobian: ``target[i]`` against ``source[i]``, shape
        ``(batch,) + target.shape[1:] + source.shape[1:]``.

        As in TF, example ``i`` of the target must depend only on example ``i`` of the source.
        """
        zero = _unconnected(unconnected_gradients)
        t = flat_outputs(target, "the target")[0]
        if t.ndim < 1 or source.ndim < 1 or t.shape[0] != source.shape[0]:
            raise ValueError(f"batch_jacobian needs target and source with the same first "
                             f"(batch) dimension, got shapes {t.shape} and {source.shape}")
        self._start()
        node = self._node_of(source)
        b = t.shape[0]
        inner = int(np.prod(t.shape[1:], dtype=int))
        cols = []
        for k in range(inner):
            e = np.zeros_like(t._raw, shape=(b, inner))
            e[:, k] = 1
            (g,) = _backward([t], [e.reshape(t.shape)], [node])
            if g is None:
                cols = None
                break
            cols.append(g)
        shape = t.shape + source.shape[1:]
        if cols is None:
            if zero:
                return wrap(np.zeros_like(source._raw, shape=shape))
            return None
        j = np.stack(cols, axis=1)  # (batch, inner) + source.shape[1:]
        return np.reshape(j, shape)


def _ref(t: Any) -> Any:
    try:
        return weakref.ref(t)
    except TypeError:   # a Tensor type without weak references: keep it alive instead
        return lambda: t


def _creation(v: Variable) -> int:
    return v._order


def _unconnected(value: Any) -> bool:
    v = getattr(value, "value", value)
    if v not in ("none", "zero"):
        raise ValueError(f"unconnected_gradients must be 'none' or 'zero', got {value!r}")
    return v == "zero"


def _backward(outs: list, dy: Any, nodes: list) -> list:
    # The graph belongs to the values, which other tapes may still differentiate: keep it.
    return gradients_of(outs, dy, nodes, retain=True)


def _fill(grads: list, src: list, zero: bool) -> list:
    if not zero:
        return grads
    return [wrap(np.zeros_like(s._raw)) if g is None else g for g, s in zip(grads, src,
                                                                           strict=True)]
