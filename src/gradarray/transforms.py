"""Functional transforms (JAX/autograd style): grad, value_and_grad, vjp, jvp, jacobian, ...

Everything here stands on two entry points: :func:`trace_call` runs a function with its
differentiated arguments replaced by source Tensors, and ``backward.backward`` walks the
recorded graph back to them.  ``jvp`` is the transpose of a ``vjp`` (the double-vjp trick):
it costs about three times the forward pass and works for every rule.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _state
from ._state import STATE
from ._tree import tree_flatten, tree_unflatten
from .backward import backward
from .dispatch import TENSOR_TYPES, wrap
from .errors import NonDifferentiableError, NonFiniteGradientWarning
from .graph import Node, leaf
from .registry import Rule
from .tensor import Tensor, asarray

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "jacrev", "jacfwd", "hessian",
           "stop_gradient", "no_grad", "Trace", "make_source", "trace_call", "gradient_of"]

# A source that stands for a value already recorded by an outer computation.
_IDENTITY = Rule("identity", (lambda g, ans, x: g,))


class Trace:
    """One active gradient computation (or tape).  Records which Variables were read."""

    __slots__ = ("variables", "watch_variables")

    def __init__(self, watch_variables: bool = True) -> None:
        self.variables: dict = {}
        self.watch_variables = watch_variables

    def __enter__(self) -> Trace:
        _state.push_trace(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _state.pop_trace(self)


def make_source(x: Any, what: str = "argument") -> Tensor:
    """A Tensor sharing ``x``'s data whose node is a new source of gradients.

    When ``x`` is itself recorded by an outer computation the source is an identity of it,
    so the gradient found here stays differentiable there (higher order).
    """
    if not isinstance(x, Tensor) and x.__class__ not in TENSOR_TYPES:  # (GPU Tensors)
        if isinstance(x, (bool, np.bool_)) or (
                isinstance(x, np.ndarray) and x.dtype.kind not in "fc"):
            raise NonDifferentiableError(_int_message(what, np.asarray(x).dtype))
        x = asarray(x)
    dt = x.dtype
    if dt.kind not in "fc":
        raise NonDifferentiableError(_int_message(what, dt))
    raw = x._raw
    node = x._node
    if node is not None and STATE.recording:
        src = Node(_IDENTITY, (node,), (None,), None, None, x.shape, dt)
    else:
        src = leaf(x.shape, dt)
    return wrap(raw, src)


def _int_message(what: str, dtype: Any) -> str:
    return (f"cannot differentiate with respect to {what} of dtype {dtype}: gradients "
            "exist only for floating and complex values; convert it first "
            "(x.astype(float)) or leave it out of argnums")


def _as_output(out: Any, fname: str) -> Tensor:
    if isinstance(out, Tensor) or out.__class__ in TENSOR_TYPES:
        return out
    if isinstance(out, (float, int, complex, np.ndarray, np.generic)) and \
            not isinstance(out, (bool, np.bool_)):
        return asarray(out)
    raise TypeError(
        f"{fname} must return an array (a gradarray Tensor or a NumPy array or scalar), "
        f"got {type(out).__name__}; return e.g. np.sum(...) of your result")


def _is_number_list(x: Any) -> bool:
    if x.__class__ not in (list, tuple) or not x:
        return False
    return all(isinstance(e, (int, float, complex)) and not isinstance(e, bool) or
               _is_number_list(e) for e in x)


def trace_call(fun: Callable, args: tuple, argnums: Sequence[int], kwargs: dict | None = None
               ) -> tuple[Any, list, Any, list]:
    """Run ``fun`` with the leaves of ``args[argnums]`` as sources.

    Returns (output, source nodes, treedef per argnum, source Tensors).
    """
    args = list(args)
    nodes: list = []
    sources: list = []
    treedefs = []
    for i in argnums:
        if _is_number_list(args[i]):
            # A (nested) list of numbers is an array to NumPy users, not a tree of scalars:
            # np.sin([a, b]) would convert the scalars and drop their tape.
            args[i] = asarray(args[i])
        leaves, treedef = tree_flatten(args[i])
        new = []
        for x in leaves:
            s = make_source(x, f"argument {i}")
            new.append(s)
            nodes.append(s._node)
            sources.append(s)
        args[i] = tree_unflatten(treedef, new)
        treedefs.append((treedef, len(new)))
    trace = Trace()
    with trace:
        out = fun(*args, **(kwargs or {}))
    return out, nodes, treedefs, sources


def _ones_like(out: Tensor, create_graph: bool) -> Any:
    one = np.ones_like(out._raw)
    return wrap(one) if create_graph else one


class UnconnectedGradientWarning(UserWarning):
    """``grad``'s function returned a plain NumPy value unconnected to its arguments.

    The usual cause is a lost recording (``np.asarray(t)`` and friends); a function that is
    constant on purpose returns an untracked Tensor or a number and gets no warning.
    """


def _lost_output(out: Any) -> str | None:
    """What the function returned, when that cannot carry a recording; else None."""
    if isinstance(out, (np.ndarray, np.generic)) and out.__class__ not in TENSOR_TYPES:
        return "a plain NumPy value"
    if isinstance(out, (int, float, complex)) and not isinstance(out, bool):
        return f"the Python {type(out).__name__} {out!r}"
    return None


def _warn_unconnected(what: str = "a plain NumPy value") -> None:
    from ._warn import warn_user

    warn_user(
        f"the function returned {what}, which does not depend on the differentiated "
        "arguments as far as gradarray can see, so the gradient is zero: if it was computed "
        "from them, the recording was lost on the way (float(t), t.item(), math functions, "
        "a plain ndarray buffer, compiled code); the LostTapeWarning before this one, if "
        "any, names the line. Return an array computed with NumPy functions",
        UnconnectedGradientWarning)


def _check_finite(out: Tensor, grads: list) -> None:
    """Warn when a finite value has a nan gradient (one pass over each gradient).

    An infinite derivative (np.sqrt at 0) already warns while the backward pass divides by
    zero; a nan that came from a nan value masked out in the forward pass does not, since
    nan * 0 raises no floating-point flag.
    """
    with np.errstate(all="ignore"):
        if not np.isfinite(out._raw).all():
            return
        for g in grads:
            raw = g._raw if g.__class__ in TENSOR_TYPES else g
            if isinstance(raw, np.ndarray) and raw.size and np.isnan(np.sum(raw)):
                from ._warn import warn_user

                warn_user(
                    "the gradient holds nan although the function's value is finite: a nan "
                    "or inf computed on the way was masked out afterwards (np.where, an "
                    "in-place write, a product with 0), and its derivative times 0 is still "
                    "nan. Keep the unused branch finite (np.where(m, x, 1.0) before np.log, "
                    "for example)", NonFiniteGradientWarning)
                return


def gradient_of(out: Tensor, nodes: list, sources: list, out_grad: Any = None, *,
                warn_lost: str | None = None,
                retain: bool = False) -> list:
    """Gradients of ``out`` for each source node (zeros where unconnected), as Tensors."""
    create_graph = STATE.recording
    if out._node is None:
        if warn_lost:
            _warn_unconnected(warn_lost)
        grads: list = [None] * len(nodes)
    else:
        if out_grad is None:
            g = _ones_like(out, create_graph)
        else:
            g = out_grad if create_graph else _raw(out_grad)
            if not create_graph and isinstance(out_grad, Tensor):
                g = out_grad._raw
        grads = backward([out._node], [g], nodes, create_graph=create_graph,
                         retain=retain or create_graph, wrap=wrap)
    result = []
    for g, s in zip(grads, sources):
        if g is None:
            result.append(wrap(np.zeros_like(s._raw)))
        elif isinstance(g, Tensor) or g.__class__ in TENSOR_TYPES:
            result.append(g)
        else:
            result.append(wrap(g))   # wrap keeps a device array on its device
    return result


def _raw(x: Any) -> Any:
    # wrap keeps a device (CuPy) array as it is; everything else becomes an ndarray.
    return x._raw if isinstance(x, Tensor) or x.__class__ in TENSOR_TYPES else wrap(x)._raw


def _regroup(grads: list, treedefs: list, argnums: Any) -> Any:
    out = []
    k = 0
    for treedef, n in treedefs:
        out.append(tree_unflatten(treedef, grads[k:k + n]))
        k += n
    return out[0] if isinstance(argnums, int) else tuple(out)


def _check_argnums(argnums: Any, nargs: int, fname: str) -> tuple[int, ...]:
    if nargs == 0:
        raise TypeError(
            f"{fname} was called with no positional arguments, so there is nothing to "
            f"differentiate (argnums={argnums!r} counts positional arguments only): pass the "
            "differentiated arguments positionally, f(x) rather than f(x=x)")
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for a in nums:
        if not isinstance(a, int) or not -nargs <= a < nargs:
            raise ValueError(
                f"argnums {argnums!r} is out of range for {fname}, which was called with "
                f"{nargs} positional argument(s); use 0..{nargs - 1}")
    return tuple(a % nargs for a in nums)


def _name(fun: Callable) -> str:
    return getattr(fun, "__name__", repr(fun))


def check_callable(fun: Any, transform: str, usage: str = "(f)(x)") -> None:
    """TypeError unless ``fun`` is callable: ``grad(f(x))`` passed a value, not the function."""
    if not callable(fun):
        r = repr(fun)
        raise TypeError(
            f"{transform} takes the function to differentiate, not its value: got a "
            f"{type(fun).__name__} ({r if len(r) <= 40 else r[:37] + '...'}); pass the "
            f"function itself: {transform}{usage}, not {transform}"
            f"{usage.replace('(f)(x)', '(f(x))').replace('(f,', '(f(x),')}")


def value_and_grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False
                   ) -> Callable:
    """A function returning ``(fun(*args), gradient)`` (``((value, aux), gradient)`` with aux).

    ``fun`` must return a scalar.  The gradient has the structure of the arguments chosen
    by ``argnums`` (a tuple of them when ``argnums`` is a tuple).

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.value_and_grad(lambda x: np.sum(x ** 2))(ga.tensor([1.0, 2.0]))
    (Tensor(5.), Tensor([2., 4.]))
    """
    check_callable(fun, "value_and_grad")

    @functools.wraps(fun)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = _check_argnums(argnums, len(args), _name(fun))
        out, nodes, treedefs, sources = trace_call(fun, args, nums, kwargs)
        aux = None
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TypeError(f"{_name(fun)} was given has_aux=True, so it must return a "
                                "pair (output, aux)")
            out, aux = out
        # A result that is not a Tensor was computed outside gradarray: if it does not depend
        # on the arguments, the recording was lost on the way (a constant function returns
        # an untracked Tensor, and hessians of linear maps are legitimately 0).
        lost = _lost_output(out)
        out = _as_output(out, _name(fun))
        if out.shape != ():
            if out.size == 1:
                pass
            else:
                raise TypeError(
                    f"grad requires {_name(fun)} to return a scalar, but it returned shape "
                    f"{out.shape}; use gradarray.jacobian for the full Jacobian, or "
                    "gradarray.vjp for a vector-Jacobian product")
        grads = gradient_of(out, nodes, sources, warn_lost=lost)
        _check_finite(out, grads)
        value = stop_gradient(out) if not STATE.recording else out
        g = _regroup(grads, treedefs, argnums)
        return ((value, aux) if has_aux else value), g

    return value_and_grad_f


def grad(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function, as a function (JAX's ``grad``).

    Parameters
    ----------
    fun : callable
        Plain NumPy code returning a scalar.
    argnums : int or tuple of int
        Which positional arguments to differentiate (each may be a nested list, tuple or
        dict of arrays).
    has_aux : bool
        ``fun`` returns ``(output, aux)``; the result is then ``(gradient, aux)``.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.grad(lambda x: np.sum(np.sin(x)))(ga.tensor([0.0, np.pi]))
    Tensor([ 1., -1.])
    """
    check_callable(fun, "grad")
    vg = value_and_grad(fun, argnums, has_aux)

    @functools.wraps(fun)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return grad_f


def vjp(fun: Callable, *primals: Any, has_aux: bool = False) -> tuple:
    """``(fun(*primals), vjp_fn)``: ``vjp_fn(ct)`` gives one cotangent per primal.

    ``vjp_fn`` may be called several times (the graph is kept while it lives).

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> y, f_vjp = ga.vjp(np.sin, ga.tensor([0.0, 1.0]))
    >>> f_vjp(ga.tensor([1.0, 1.0]))
    (Tensor([1.        , 0.54030231]),)
    """
    check_callable(fun, "vjp", "(f, x)")
    nums = tuple(range(len(primals)))
    out, nodes, treedefs, sources = trace_call(fun, primals, nums)
    aux = None
    if has_aux:
        out, aux = out
    outs, out_def = tree_flatten(out)
    outs = [_as_output(o, _name(fun)) for o in outs]

    def vjp_fn(ct: Any) -> tuple:
        cts, _ = tree_flatten(ct)
        if len(cts) != len(outs):
            raise ValueError(f"vjp_fn expected {len(outs)} cotangent(s), got {len(cts)}")
        roots, gs = [], []
        create_graph = STATE.recording
        for o, c in zip(outs, cts):
            if np.shape(c) != o.shape:
                raise ValueError(f"cotangent shape {np.shape(c)} does not match the output "
                                 f"shape {o.shape}")
            if o._node is not None:
                roots.append(o._node)
                gs.append(asarray(c) if create_graph else _raw(c))
        grads = backward(roots, gs, nodes, create_graph=create_graph, retain=True, wrap=wrap) \
            if roots else [None] * len(nodes)
        res = [wrap(np.zeros_like(s._raw)) if g is None else
               (g if g.__class__ in TENSOR_TYPES else wrap(g))
               for g, s in zip(grads, sources)]
        return tuple(_regroup(res, treedefs, nums))

    value = tree_unflatten(out_def, [stop_gradient(o) if not STATE.recording else o
                                     for o in outs])
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def jvp(fun: Callable, primals: Sequence[Any], tangents: Sequence[Any]) -> tuple:
    """``(fun(*primals), J @ tangents)``: the Jacobian-vector product.

    Computed as the transpose of a vjp (it is linear in its cotangent), so it works for
    every rule and costs a small constant times the forward pass.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.jvp(np.sin, (ga.tensor([0.0]),), (ga.tensor([2.0]),))
    (Tensor([0.]), Tensor([2.]))
    """
    check_callable(fun, "jvp", "(f, primals, tangents)")
    primals = tuple(primals)
    tangents = tuple(tangents)
    if len(primals) != len(tangents):
        raise ValueError(f"jvp got {len(primals)} primals but {len(tangents)} tangents")
    outer = Trace()
    with outer:
        out, vjp_fn = vjp(fun, *primals)
        outs, out_def = tree_flatten(out)
        us = [make_source(wrap(np.zeros_like(_raw(o))), "cotangent") for o in outs]
        gs = vjp_fn(tree_unflatten(out_def, us))
        total = None
        flat_t: list = []
        for p, t in zip(primals, tangents):
            # Paired as trace_call made the sources: a (nested) list of numbers is one array.
            flat_t += [t] if _is_number_list(p) else tree_flatten(t)[0]
        flat_g = tree_flatten(gs)[0]
        if len(flat_t) != len(flat_g):
            raise ValueError(f"jvp got {len(flat_t)} tangent arrays for {len(flat_g)} primal "
                             "arrays: give tangents the structure of primals")
        for t, g in zip(flat_t, flat_g):
            t = asarray(t)
            if t.shape != g.shape:
                raise ValueError(f"jvp: a tangent of shape {t.shape} for a primal of shape "
                                 f"{g.shape}")
            term = np.sum(np.real(np.conj(t) * g)) if np.iscomplexobj(g) or \
                np.iscomplexobj(t) else np.sum(t * g)
            total = term if total is None else total + term
    tout = gradient_of(total, [u._node for u in us], us)
    value = tree_unflatten(out_def, [stop_gradient(o) if not STATE.recording else o
                                     for o in outs])
    tang = tree_unflatten(out_def, [t.astype(o.dtype) if t.dtype != o.dtype else t
                                    for t, o in zip(tout, outs)])
    return value, tang


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by reverse mode: one vjp per output element.

    The result has shape ``out.shape + arg.shape`` (a tuple of those for tuple argnums).
    """
    check_callable(fun, "jacrev")

    @functools.wraps(fun)
    def jac_f(*args: Any, **kwargs: Any) -> Any:
        nums = _check_argnums(argnums, len(args), _name(fun))
        out, nodes, treedefs, sources = trace_call(fun, args, nums, kwargs)
        out = _as_output(out, _name(fun))
        rows: list = [[] for _ in sources]
        flat = np.reshape(np.zeros_like(out._raw), -1)
        for k in range(out.size):
            e = flat.copy()
            e[k] = 1
            e = np.reshape(e, out.shape)
            gs = gradient_of(out, nodes, sources, wrap(e) if STATE.recording else e,
                             retain=True)
            for r, g in zip(rows, gs):
                r.append(g)
        jacs = [np.reshape(np.stack(r), out.shape + s.shape) if r else
                wrap(np.zeros_like(s._raw, shape=out.shape + s.shape))
                for r, s in zip(rows, sources)]
        return _regroup(jacs, treedefs, argnums)

    return jac_f


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode: one jvp per input element (for wide-output functions)."""
    check_callable(fun, "jacfwd")

    @functools.wraps(fun)
    def jac_f(*args: Any, **kwargs: Any) -> Any:
        nums = _check_argnums(argnums, len(args), _name(fun))
        results = []
        for i in nums:
            x = asarray(args[i])

            def f_i(xi: Any, i: int = i) -> Any:
                a = list(args)
                a[i] = xi
                return fun(*a, **kwargs)

            cols = []
            flat = np.reshape(np.zeros_like(x._raw), -1)
            out = None
            for k in range(x.size):
                e = flat.copy()
                e[k] = 1
                out, t = jvp(f_i, (x,), (wrap(np.reshape(e, x.shape)),))
                cols.append(t)
            if out is None:
                out = f_i(x)
            out = _as_output(out, _name(fun))
            jac = np.stack(cols, axis=-1) if cols else \
                wrap(np.zeros_like(out._raw, shape=out.shape + (0,)))
            results.append(np.reshape(jac, out.shape + x.shape))
        return results[0] if isinstance(argnums, int) else tuple(results)

    return jac_f


def jacobian(fun: Callable, argnums: int | Sequence[int] = 0, mode: str = "rev") -> Callable:
    """The Jacobian of ``fun``: ``mode="rev"`` (default, :func:`jacrev`) or ``"fwd"``."""
    check_callable(fun, "jacobian")
    if mode not in ("rev", "fwd"):
        raise ValueError(f"mode must be 'rev' or 'fwd', got {mode!r}")
    return jacrev(fun, argnums) if mode == "rev" else jacfwd(fun, argnums)


def hessian(fun: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian of a scalar function: the Jacobian of its gradient.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.hessian(lambda x: np.sum(x ** 3))(ga.tensor([1.0, 2.0]))
    Tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    check_callable(fun, "hessian")
    return jacrev(grad(fun, argnums), argnums)


def stop_gradient(x: Any) -> Any:
    """``x`` as a constant: same data, no gradient flows through it (JAX's name).

    Works on nested lists, tuples and dicts of arrays.
    """
    leaves, treedef = tree_flatten(x)
    out = []
    for v in leaves:
        if v.__class__ in TENSOR_TYPES:   # (GPU Tensors too)
            out.append(wrap(v._raw))
        else:
            out.append(v)
    return tree_unflatten(treedef, out)


class no_grad:
    """Context manager and decorator: nothing inside is recorded (PyTorch's name).

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> with ga.no_grad():
    ...     y = np.sin(ga.tensor(1.0))
    """

    def __enter__(self) -> no_grad:
        _state.pause()
        return self

    def __exit__(self, *exc: Any) -> None:
        _state.resume()

    def __call__(self, fun: Callable) -> Callable:
        @functools.wraps(fun)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fun(*args, **kwargs)

        return wrapper
