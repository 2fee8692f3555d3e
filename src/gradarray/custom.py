"""Custom derivatives for user functions.

Three ways, after the libraries users come from:

- ``@custom_gradient`` (TensorFlow): the function returns ``(value, grad_fn)``.
- ``@custom_vjp`` + ``f.defvjp(fwd, bwd)`` (JAX): forward saves residuals, backward uses them.
- ``@primitive`` + ``ga.defvjp(f, ...)`` (autograd): the function becomes a registry key like
  a NumPy function, so the same ``defvjp``/``nondiff`` rules apply to it.

In each the rule given is the whole derivative of the result.  ``custom_gradient``'s body and
``custom_vjp``'s forward run recorded, so what the backward function computes from them is
differentiable again (higher order), as in TF and JAX; ``primitive`` bodies run on plain
ndarrays and their ``defvjp`` rules, written with NumPy calls, are differentiable again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ._state import STATE
from ._tree import tree_flatten, tree_unflatten
from .devices import raw_array
from .dispatch import TENSOR_TYPES, _record, array_function, wrap
from .registry import Rule
from .tensor import Tensor
from .transforms import Trace

__all__ = ["custom_gradient", "custom_vjp", "primitive"]


class _Pullback:
    """Calls the user's backward function once per output gradient, hands out its parts."""

    __slots__ = ("fn", "g", "grads")

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self.g: Any = None
        self.grads: Any = None

    def part(self, g: Any, k: int) -> Any:
        if self.grads is None or self.g is not g:
            self.grads = self.fn(g)
            self.g = g
        return self.grads[k]


def _part_vjp(k: int) -> Callable:
    def vjp(g: Any, ans: Any, *args: Any, _pullback: _Pullback) -> Any:
        return _pullback.part(g, k)

    return vjp


_RULES: dict = {}


def _rule(name: str, n: int, multi: bool) -> Rule:
    key = (name, n, multi)
    rule = _RULES.get(key)
    if rule is None:
        rule = _RULES[key] = Rule(name, tuple(_part_vjp(k) for k in range(n)), multi=multi)
    return rule


def _split(args: tuple) -> tuple[list, list]:
    """The arguments' raw values and their nodes."""
    raws, parents = [], []
    for a in args:
        if a.__class__ in TENSOR_TYPES:
            raws.append(a._raw)
            parents.append(a._node)
        else:
            raws.append(a)
            parents.append(None)
    return raws, parents


def _as_raw(y: Any) -> Any:
    # A GPU Tensor or CuPy array stays on its device (np.asarray would refuse it).
    return raw_array(y)


def _connect(name: str, out: Any, raws: list, parents: list, inputs: list,
             pullback: _Pullback) -> Any:
    """Record ``out`` (an array or a tuple/list of arrays) as one node over the inputs."""
    if isinstance(out, (tuple, list)):
        ans = tuple(_as_raw(o) for o in out)
        rule = _rule(name, len(raws), True)
        res = _record(rule, tuple(raws), tuple(parents), {"_pullback": pullback}, ans,
                      tuple(inputs))
        return out.__class__(res)
    ans = _as_raw(out)
    if ans.dtype.kind not in "fc":
        return wrap(ans)
    rule = _rule(name, len(raws), False)
    return _record(rule, tuple(raws), tuple(parents), {"_pullback": pullback}, ans,
                   tuple(inputs))


def _grad_list(grads: Any, n: int, what: str) -> list:
    if not isinstance(grads, (list, tuple)):
        grads = [grads]
    grads = list(grads)
    if len(grads) != n:
        raise ValueError(f"{what} returned {len(grads)} gradient(s) but the function has "
                         f"{n} differentiable input(s); return one per input (None for none)")
    return grads


def custom_gradient(f: Callable) -> Callable:
    """Decorator (``tf.custom_gradient``): ``f(*x)`` returns ``(y, grad_fn)``.

    ``grad_fn(*dy)`` returns the gradient for each input (a single value for one input).
    If ``f`` reads trainable Variables, ``grad_fn`` must accept ``variables=`` and return
    ``(input_gradients, variable_gradients)``, as in TF.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> @ga.custom_gradient
    ... def log1pexp(x):
    ...     e = np.exp(x)
    ...     return np.log(1 + e), lambda dy: dy * (1 - 1 / (1 + e))
    >>> ga.grad(log1pexp)(ga.tensor(100.0))
    Tensor(1.)
    """
    name = f"custom_gradient({getattr(f, '__name__', 'f')})"

    @functools.wraps(f)
    def decorated(*args: Any, **kwargs: Any) -> Any:
        if not STATE.recording:
            return f(*args, **kwargs)[0]
        raws, parents = _split(args)
        trace = Trace()
        # f runs recorded (as in TF), so values grad_fn closes over stay differentiable
        # (higher order); the trace finds the Variables f reads besides its inputs.
        with trace:
            y, grad_fn = f(*args, **kwargs)
        variables = sorted((v for v in trace.variables.values()
                            if not any(v is a for a in args)), key=lambda v: v._order)
        n_in = len(args)
        multi = isinstance(y, (tuple, list))

        def pullback(g: Any) -> list:
            gs = g if multi else (g,)
            if variables:
                try:
                    gin, gvar = grad_fn(*gs, variables=variables)
                except TypeError as e:
                    raise TypeError(
                        f"{name} reads Variables {[v.name for v in variables]}, so its "
                        "grad_fn must take variables=... and return (input_gradients, "
                        f"variable_gradients) ({e})") from None
                return (_grad_list(gin, n_in, "grad_fn") +
                        _grad_list(gvar, len(variables), "grad_fn (variables)"))
            return _grad_list(grad_fn(*gs), n_in, "grad_fn")

        if variables:
            raws = raws + [v._value for v in variables]
            parents = parents + [v._node for v in variables]
            args = args + tuple(variables)
        if not any(p is not None for p in parents):
            return y
        return _connect(name, y, raws, parents, list(args), _Pullback(pullback))

    return decorated


class custom_vjp:
    """JAX's ``custom_vjp``: give a function its own forward and backward passes.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> @ga.custom_vjp
    ... def clip_grad(x):
    ...     return x
    >>> clip_grad.defvjp(lambda x: (x, None), lambda res, g: (np.clip(g, -1, 1),))
    >>> ga.grad(lambda x: 5 * clip_grad(x))(ga.tensor(2.0))
    Tensor(1.)
    """

    def __init__(self, fun: Callable, nondiff_argnums: tuple[int, ...] = ()) -> None:
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = tuple(nondiff_argnums)
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None
        self._in_fwd = 0

    def defvjp(self, fwd: Callable, bwd: Callable) -> None:
        """``fwd(*args) -> (out, residuals)``; ``bwd(residuals, g) -> one cotangent per
        differentiable argument`` (``bwd(*nondiff_args, residuals, g)`` with nondiff_argnums)."""
        self.fwd = fwd
        self.bwd = bwd

    def __call__(self, *args: Any) -> Any:
        name = getattr(self.fun, "__name__", "f")
        if self.fwd is None:
            raise TypeError(f"No VJP defined for custom_vjp function {name} using defvjp")
        if not STATE.recording or self._in_fwd:
            return self.fun(*args)
        nd = self.nondiff_argnums
        raws, parents = _split(args)
        for i in nd:
            parents[i] = None
        if not any(p is not None for p in parents):
            return self.fun(*args)
        # fwd runs recorded, so residuals stay differentiable for higher order; a call of
        # this function inside fwd is the plain function.
        self._in_fwd += 1
        try:
            out, res = self.fwd(*args)
        finally:
            self._in_fwd -= 1
        bwd = self.bwd
        fixed = [args[i] for i in nd]
        diff = [i for i in range(len(args)) if i not in nd]
        leaves, treedef = tree_flatten(out)
        multi = len(leaves) != 1 or treedef is not None

        def pullback(g: Any) -> list:
            ct = tree_unflatten(treedef, list(g)) if multi else g
            cts = bwd(*fixed, res, ct)
            if not isinstance(cts, (tuple, list)) or len(cts) != len(diff):
                raise ValueError(f"the custom_vjp backward of {name} must return a tuple of "
                                 f"{len(diff)} cotangent(s), one per differentiable "
                                 f"argument; got {cts!r}")
            full: list = [None] * len(args)
            for i, c in zip(diff, cts, strict=True):
                full[i] = c
            return full

        result = _connect(f"custom_vjp({name})", tuple(leaves) if multi else leaves[0],
                          raws, parents, list(args), _Pullback(pullback))
        return tree_unflatten(treedef, list(result)) if multi else result


def primitive(f: Callable) -> Callable:
    """Make a Python function a registry key, like a NumPy function (autograd's name).

    Register its derivative with ``ga.defvjp(f, vjp, ...)`` (or ``ga.nondiff(f)``); until
    then, calling it on a recorded Tensor raises ``NoRuleError``.  The body runs on plain
    ndarrays.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> @ga.primitive
    ... def logsumexp(x):
    ...     m = np.max(x)
    ...     return m + np.log(np.sum(np.exp(x - m)))
    >>> _ = ga.defvjp(logsumexp, lambda g, ans, x: g * np.exp(x - ans))
    >>> ga.grad(logsumexp)(ga.tensor([0.0, 0.0]))
    Tensor([0.5, 0.5])
    """

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _has_tensor(args) or _has_tensor(kwargs.values()):
            # Dispatch unwraps, calls wrapper again on raw arrays, and records.
            return array_function(None, wrapper, (Tensor,), args, kwargs)
        return f(*args, **kwargs)

    return wrapper


def _has_tensor(seq: Any) -> bool:
    for a in seq:
        if a.__class__ in TENSOR_TYPES:
            return True
        if a.__class__ in (list, tuple) and _has_tensor(a):
            return True
    return False
