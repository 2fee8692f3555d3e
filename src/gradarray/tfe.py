"""TensorFlow 1.x eager's gradient functions (``tf.contrib.eager``, imported as ``tfe``).

Same names, arguments and return structures as TF's: ``gradients_function`` and
``value_and_gradients_function`` differentiate with respect to arguments and return a list;
``implicit_gradients`` and ``implicit_value_and_gradients`` with respect to the trainable
Variables the function read, as ``[(gradient, variable), ...]`` in creation order.  As in
TF, an input the output does not depend on gets ``None`` and a non-scalar output is summed.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._state import STATE
from ._tree import tree_flatten, tree_unflatten
from ._warn import warn_user
from .backward import backward
from .devices import raw_array
from .record import TENSOR_TYPES, _device_name, wrap
from .tensor import Tensor, asarray
from .transforms import Trace, check_callable, make_source

__all__ = ["gradients_function", "value_and_gradients_function", "implicit_gradients",
           "implicit_value_and_gradients"]


def _name(f: Callable) -> str:
    return getattr(f, "__name__", repr(f))


def flat_outputs(result: Any, fname: str) -> list:
    """The flat outputs of ``result`` as Tensors (TF's ``nest.flatten``)."""
    if result.__class__ is Tensor:
        return [result]
    if result is None:
        raise ValueError(f"Cannot differentiate a function that returns None; did you forget "
                         f"to return a value from {fname}?")
    outs, _ = tree_flatten(result)
    flat = []
    for o in outs:
        if o.__class__ in TENSOR_TYPES:   # Tensor, its subclasses, GPU Tensors
            flat.append(o)
        elif isinstance(o, (float, int, complex, np.ndarray, np.generic)) and \
                not isinstance(o, (bool, np.bool_)):
            flat.append(asarray(o))
        else:
            raise TypeError(f"{fname} must return arrays (Tensors, NumPy arrays or numbers), "
                            f"got {type(o).__name__}")
    return flat


_ONES: dict = {}


def _ones_key(raw: Any) -> tuple:
    # Keyed by array type and device too: a host one is never handed to a GPU computation.
    c = raw.__class__
    if c is np.ndarray:
        return raw.shape, raw.dtype
    return raw.shape, raw.dtype, c, _device_name(raw)


def _ones(raw: Any) -> Any:
    """Ones like ``raw``: cached for scalars (the usual loss, read-only on the host), fresh
    otherwise."""
    if raw.size != 1:
        return np.ones_like(raw)
    key = _ones_key(raw)
    one = _ONES.get(key)
    if one is None:
        one = _ONES[key] = np.ones_like(raw)
        if one.__class__ is np.ndarray:   # device arrays (CuPy's) have no writeable flag
            one.flags.writeable = False
    return one


def _is_cached_one(g: Any) -> bool:
    return g.size == 1 and _ONES.get(_ones_key(g)) is g


def output_gradients(outs: list, dy: Any, create_graph: bool) -> tuple[list, list]:
    """Roots and their gradients: ``dy`` (same structure as the outputs) or ones (a sum)."""
    if dy is None:
        dys: list = [None] * len(outs)
    else:
        dys, _ = tree_flatten(dy)
        if len(outs) == 1 and len(dys) != 1:
            dys = [dy]  # one output: dy is its gradient, given as a (nested) list
        if len(dys) != len(outs):
            raise ValueError(f"expected {len(outs)} output gradient(s) (one per output), "
                             f"got {len(dys)}")
    roots, gs = [], []
    for o, d in zip(outs, dys, strict=True):
        node = o._node
        if node is None:
            continue
        if d is None:
            g = _ones(o._raw)
        else:
            g = raw_array(d)   # a device array stays on its device
            if d.__class__ not in TENSOR_TYPES and g.__class__ is np.ndarray:
                g = np.asarray(g, dtype=o.dtype)
            if g.shape != o.shape:
                raise ValueError(f"output gradient of shape {g.shape} does not match the "
                                 f"output's shape {o.shape}")
        if create_graph:
            g = d if d.__class__ in TENSOR_TYPES else wrap(g)
        roots.append(node)
        gs.append(g)
    return roots, gs


def gradients_of(outs: list, dy: Any, nodes: list, retain: bool = False) -> list:
    """Gradient of the (summed) outputs for each source node; ``None`` where unconnected.

    While an outer computation records, the gradients are recorded too (higher order).
    """
    create_graph = STATE.recording
    roots, gs = output_gradients(outs, dy, create_graph)
    live = [n for n in nodes if n is not None]
    if not roots or not live:
        return [None] * len(nodes)
    grads = backward(roots, gs, live, create_graph=create_graph,
                     retain=retain or create_graph, wrap=wrap)
    if len(live) != len(nodes):
        it = iter(grads)
        grads = [None if n is None else next(it) for n in nodes]
    out = []
    for g in grads:
        if g is not None and g.__class__ not in TENSOR_TYPES:
            # A source that is an output gets the cached ones itself: hand out a copy.
            frozen = not g.flags.writeable if g.__class__ is np.ndarray else _is_cached_one(g)
            g = wrap(g.copy() if frozen else g)
        out.append(g)
    return out


def _detach(x: Any) -> Any:
    return wrap(x._raw) if x.__class__ in TENSOR_TYPES and not STATE.recording else x


def _positions(f: Callable, params: Sequence[int | str] | None) -> tuple | None:
    """TF's ``params``: None (every argument), indices, or parameter names (read once)."""
    if params is None:
        return None
    params = list(params)
    if all(isinstance(p, int) for p in params):
        return tuple(params)
    if not all(isinstance(p, str) for p in params):
        raise ValueError(f"params must be all strings or all integers; got {params}")
    try:
        names = [p.name for p in inspect.signature(f).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError) as e:
        raise ValueError(f"could not inspect the parameter names of {f!r} ({e}); give "
                         "params as indices") from None
    out = []
    for p in params:
        if p not in names:
            raise ValueError(f"{_name(f)} has no parameter named {p!r}; its positional "
                             f"parameters are {names}")
        out.append(names.index(p))
    return tuple(out)


def _sources(args: tuple, positions: Sequence[int]) -> tuple[list, list]:
    """Replace the chosen arguments by sources; integer/bool ones are left out, with a warning."""
    args = list(args)
    nodes: list = []
    for i in positions:
        x = args[i]
        dt = x.dtype if x.__class__ in TENSOR_TYPES or isinstance(
            x, (np.ndarray, np.generic)) else np.asarray(x).dtype
        if dt.kind not in "fc":
            warn_user(
                f"argument {i} has dtype {dt}: gradients exist only for floating and complex "
                "values, so its gradient is None (convert it with x.astype(float) to get one)")
            nodes.append(None)
            continue
        s = make_source(x, f"argument {i}")
        args[i] = s
        nodes.append(s._node)
    return args, nodes


def value_and_gradients_function(f: Callable, params: Sequence[int | str] | None = None
                                 ) -> Callable:
    """A function returning ``(f(*args), [gradient per argument])``.

    Parameters
    ----------
    f : callable
        Takes arrays (Tensors, NumPy arrays, Python floats or lists) positionally.
    params : sequence of int or str, optional
        The arguments to differentiate, as indices or parameter names (default: all).

    The returned function takes ``dy=`` (the output gradient; default: ones, so a
    non-scalar output is summed).  An argument the output does not depend on gets ``None``.

    Examples
    --------
    >>> import gradarray as ga
    >>> ga.value_and_gradients_function(lambda x, y: x ** 2 + y ** 3)(1.0, 2.0)
    (Tensor(9.), [Tensor(2.), Tensor(12.)])
    """
    check_callable(f, "value_and_gradients_function")
    positions = _positions(f, params)
    fname = _name(f)

    @functools.wraps(f)
    def decorated(*args: Any, dy: Any = None, **kwargs: Any) -> tuple:
        if kwargs:
            raise ValueError("Functions to be differentiated cannot receive keyword "
                             f"arguments (got {sorted(kwargs)}); pass them positionally")
        nargs = len(args)
        pos = range(nargs) if positions is None else positions
        for p in pos:
            if not -nargs <= p < nargs:
                raise ValueError(f"params {list(pos)} is out of range for {fname}, called "
                                 f"with {nargs} argument(s)")
        new_args, nodes = _sources(args, [p % nargs for p in pos])
        with Trace(watch_variables=False):
            result = f(*new_args)
        outs = flat_outputs(result, fname)
        grads = gradients_of(outs, dy, nodes)
        value = result if STATE.recording else _detach_tree(result)
        return value, grads

    return decorated


def _detach_tree(result: Any) -> Any:
    if result.__class__ in TENSOR_TYPES:
        return _detach(result)
    leaves, treedef = tree_flatten(result)
    return tree_unflatten(treedef, [_detach(x) for x in leaves])


def gradients_function(f: Callable, params: Sequence[int | str] | None = None) -> Callable:
    """A function returning the list of gradients of ``f`` with respect to its arguments.

    Usable as a decorator; see :func:`value_and_gradients_function` for ``params``, ``dy``
    and the rules for unconnected and integer arguments.

    Examples
    --------
    >>> import gradarray as ga
    >>> ga.gradients_function(lambda x, y: x ** 2 + y ** 3)(1.0, 2.0)
    [Tensor(2.), Tensor(12.)]
    """
    check_callable(f, "gradients_function")
    vg = value_and_gradients_function(f, params)

    @functools.wraps(f)
    def decorated(*args: Any, dy: Any = None, **kwargs: Any) -> list:
        return vg(*args, dy=dy, **kwargs)[1]

    return decorated


def implicit_value_and_gradients(f: Callable) -> Callable:
    """A function returning ``(f(*args), [(gradient, variable), ...])``.

    The pairs are for the trainable Variables that ``f`` read, in the order the variables
    were created (TF's order); a variable read without influencing the output gets ``None``.

    Examples
    --------
    >>> import gradarray as ga
    >>> x, y = ga.Variable(1.0), ga.Variable(1.0)
    >>> value, gv = ga.implicit_value_and_gradients(lambda t: 2 * x * t)(3.0)
    >>> value, gv[0][0], gv[0][1] is x, len(gv)
    (Tensor(6.), Tensor(6.), True, 1)
    """
    check_callable(f, "implicit_value_and_gradients")
    fname = _name(f)

    @functools.wraps(f)
    def grad_fn(*args: Any, **kwargs: Any) -> tuple:
        trace = Trace()
        with trace:
            result = f(*args, **kwargs)
        outs = flat_outputs(result, fname)
        variables = trace.variables
        if not variables:
            raise ValueError(
                f"No trainable variables were accessed while the function {fname} was being "
                "computed. (A Variable that only NumPy's own C code read, such as a "
                "parameter of np.random (rng.normal(loc=mu)), is not seen and gets no "
                "gradient: write mu + rng.normal(0.0, 1.0, size) instead.)")
        vs = list(variables.values())
        if len(vs) > 1:
            vs.sort(key=_creation)
        for v in vs:
            if v._node is None:   # an integer or bool Variable: no gradient can exist
                warn_int_variable(v)
        grads = gradients_of(outs, None, [v._node for v in vs])
        value = result if STATE.recording else _detach_tree(result)
        return value, list(zip(grads, vs, strict=True))

    return grad_fn


def _creation(v: Any) -> int:
    return v._order


def warn_int_variable(v: Any) -> None:
    """Warn at the user's line that the trainable Variable ``v`` (integer dtype) never trains."""
    warn_user(
        f"the trainable variable {v.name} has dtype {v.dtype}: gradients exist only for "
        "floating and complex values, so its gradient is None and optimizers will not "
        "update it; create it with a float value (ga.Variable(0.0), or dtype=float) to "
        "train it, or with trainable=False if it is a counter")


def implicit_gradients(f: Callable) -> Callable:
    """A function returning ``[(gradient, variable), ...]`` for the Variables ``f`` read.

    Examples
    --------
    >>> import gradarray as ga
    >>> x, y = ga.Variable(1.0), ga.Variable(1.0)
    >>> [(float(g), v is x) for g, v in ga.implicit_gradients(lambda t: 2 * x * t)(1.0)]
    [(2.0, True)]
    """
    check_callable(f, "implicit_gradients")
    vg = implicit_value_and_gradients(f)

    @functools.wraps(f)
    def grad_fn(*args: Any, **kwargs: Any) -> list:
        return vg(*args, **kwargs)[1]

    return grad_fn
