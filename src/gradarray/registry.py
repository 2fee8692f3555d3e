"""The rule registry: NumPy callable -> derivative rule.

Filled at import time by ``gradarray.rules`` and afterwards only through the public
``defvjp``/``elementwise``/``nondiff``/``composite`` helpers.  Keys are NumPy callables
(``np.tanh``), ``(ufunc, method)`` pairs for ufunc methods (``(np.add, "reduce")``), and
``operator.getitem``/``operator.setitem`` for indexing.
"""

from __future__ import annotations

import dis
import inspect
from collections.abc import Callable
from typing import Any

__all__ = [
    "Rule",
    "RULES",
    "NONDIFF",
    "COMPOSITES",
    "defvjp",
    "elementwise",
    "nondiff",
    "composite",
    "lookup_name",
]


_META_ATTRS = frozenset(("shape", "ndim", "dtype", "size", "strides"))
NONE, META, FULL = 0, 1, 2


def _used_params(fn: Callable, skip: int) -> tuple[int, tuple[int, ...] | None]:
    """How much of each parameter ``fn`` reads, so a node saves only that.

    Levels: NONE (unread), META (only ``.shape``/``.ndim``/``.dtype``/``.size``/``.strides``:
    the node keeps a small stand-in, not the data) or FULL.  Returns (level of ``ans``, levels
    of the inputs), the inputs' being None when ``fn`` takes ``*args`` (everything is kept).
    Conservative: any other load of a name counts as FULL.
    """
    code = getattr(fn, "__code__", None)
    if code is None:  # a builtin or callable object: keep everything
        return FULL, None
    if code.co_flags & inspect.CO_VARARGS:
        return FULL, None
    params = code.co_varnames[skip:code.co_argcount]
    level = {p: NONE for p in params}
    for p in code.co_cellvars:
        if p in level:
            level[p] = FULL
    ins = list(dis.get_instructions(code))
    for k, i in enumerate(ins):
        if not i.opname.startswith("LOAD_"):
            continue
        val = i.argval
        # Python 3.13's LOAD_FAST_LOAD_FAST pushes two names: only the last (the top of the
        # stack) can be the object of a following LOAD_ATTR.
        names = val if isinstance(val, tuple) else (val,)
        nxt = ins[k + 1] if k + 1 < len(ins) else None
        meta_next = nxt is not None and nxt.opname == "LOAD_ATTR" and nxt.argval in _META_ATTRS
        for j, name in enumerate(names):
            if not isinstance(name, str) or name not in level:
                continue
            if meta_next and j == len(names) - 1:
                level[name] = max(level[name], META)
            else:
                level[name] = FULL
    if not params:
        return NONE, ()
    return level[params[0]], tuple(level[p] for p in params[1:])


class Rule:
    """How to differentiate one NumPy callable.

    ``vjps[i]`` gives the gradient for positional argument ``i`` (None: not differentiable).
    For an *elementwise* rule each entry is instead a partial derivative ``d(ans, *inputs)``
    and the engine forms ``g * conj(d)``.  ``plan`` says which values a node keeps alive for
    the backward pass, given which inputs need gradients.
    """

    __slots__ = ("name", "vjps", "elementwise", "_uses", "_plans", "view", "multi",
                 "_signature", "inplace", "varargs", "key")

    def __init__(self, name: str, vjps: tuple, elementwise: bool = False, view: bool = False,
                 multi: bool = False, inplace: bool = False, varargs: bool = False) -> None:
        self.name = name
        self.varargs = varargs
        self.key: Any = None
        self.vjps = vjps
        self.elementwise = elementwise
        self.view = view
        self.multi = multi
        self.inplace = inplace
        # Derived lazily, on the first recording: scanning bytecode and building signatures
        # for every rule at import would cost most of gradarray's import time.
        self._uses: tuple | None = None
        self._signature: Any = False
        self._plans: dict = {}

    @property
    def uses(self) -> tuple:
        """uses[i]: (level of ans, levels of the args) read by the rule of argument i."""
        if self._uses is None:
            skip = 0 if self.elementwise else 1  # vjp(g, ans, *args); partial(ans, *args)
            self._uses = tuple(None if fn is None else _used_params(fn, skip)
                               for fn in self.vjps)
        return self._uses

    @property
    def signature(self) -> inspect.Signature | None:
        """The rule's parameters after (g, ans): NumPy's, for binding keyword arguments."""
        if self._signature is False:
            self._signature = None
            skip = 0 if self.elementwise else 1
            for fn in self.vjps:
                if fn is not None:
                    try:
                        sig = inspect.signature(fn)
                    except (TypeError, ValueError):
                        break
                    params = list(sig.parameters.values())[skip + 1:]
                    self._signature = inspect.Signature(params)
                    break
        return self._signature

    def vjp_for(self, pos: int) -> Callable | None:
        """The rule for positional argument ``pos`` (the last one repeats for ``varargs``)."""
        vjps = self.vjps
        if pos < len(vjps):
            return vjps[pos]
        return vjps[-1] if self.varargs and vjps else None

    def plan(self, mask: tuple) -> tuple:
        """What a node keeps when the inputs flagged in ``mask`` need gradients.

        Returns (level for ans, level per positional arg or None for "keep all", positions
        kept in full, positions kept as Meta, whether every arg is kept in full).  Raises
        NoRuleError when an input that needs a gradient has no rule.
        """
        p = self._plans.get(mask)
        if p is None:
            keep_ans = NONE
            keep: list | None = [NONE] * len(mask)
            for i, m in enumerate(mask):
                if not m:
                    continue
                if self.vjp_for(i) is None:
                    from .errors import NoRuleError

                    raise NoRuleError(
                        f"{self.name} is not differentiable with respect to its argument "
                        f"{i}; pass it as a constant (gradarray.stop_gradient) or register "
                        "a rule with gradarray.defvjp")
                u = self.uses[min(i, len(self.uses) - 1)]
                keep_ans = max(keep_ans, u[0])
                rest = u[1]
                if rest is None or keep is None:
                    keep = None
                    continue
                for j, r in enumerate(rest[:len(mask)]):
                    keep[j] = max(keep[j], r)
            if keep is None:
                p = (keep_ans, None, None, (), True)
            else:
                keep = tuple(keep)
                full = tuple(i for i, k in enumerate(keep) if k == FULL)
                p = (keep_ans, keep, full, tuple(i for i, k in enumerate(keep) if k == META),
                     len(full) == len(keep))
            self._plans[mask] = p
        return p

    def __repr__(self) -> str:
        return f"<Rule {self.name}>"


RULES: dict[Any, Rule] = {}
NONDIFF: set = set()
COMPOSITES: dict[Any, Callable] = {}
# (module that triggers it, rule module to import): loaded by ``load_lazy_rules``.
LAZY_RULES: list[tuple[str, str]] = []


def load_lazy_rules() -> bool:
    """Import the rule modules whose trigger module has been imported; True if any was."""
    import importlib
    import sys

    loaded = False
    for entry in list(LAZY_RULES):
        trigger, module = entry
        if trigger in sys.modules:
            LAZY_RULES.remove(entry)
            importlib.import_module(module)
            loaded = True
    return loaded


def _ufunc_module(f: Any) -> str:
    """Where a ufunc (which carries no ``__module__``) is public: 'numpy', 'scipy.special'."""
    import sys

    name = getattr(f, "__name__", "")
    for mod in ("numpy", "scipy.special", "scipy.special._ufuncs"):
        m = sys.modules.get(mod)
        g = getattr(m, name, None) if m is not None else None
        if g is not None and (g is f or getattr(g, "__wrapped__", None) is f):
            return mod
    return "numpy"


def lookup_name(key: Any) -> str:
    """A readable name for a registry key: 'numpy.tanh', 'numpy.add.reduce', 'x[...]'."""
    if isinstance(key, tuple):
        return f"{_ufunc_module(key[0])}.{key[0].__name__}.{key[1]}"
    mod = getattr(key, "__module__", None)
    if mod is None and type(key).__name__ == "ufunc":
        mod = _ufunc_module(key)
    mod = mod or "numpy"
    if mod.startswith("numpy") or mod == "_operator" or mod == "operator":
        mod = {"_operator": "operator"}.get(mod, mod)
        mod = "numpy" if mod.startswith("numpy._core") or mod == "numpy.core" else mod
    name = getattr(key, "__name__", repr(key))
    return f"{mod}.{name}"


def _check_new(key: Any) -> None:
    if key in NONDIFF:
        NONDIFF.discard(key)
    COMPOSITES.pop(key, None)


def defvjp(func: Any, *vjps: Callable | None, view: bool = False, multi: bool = False,
           inplace: bool = False, varargs: bool = False) -> Rule:
    """Register the vector-Jacobian products of ``func``, one per positional argument.

    Each ``vjp(g, ans, *args, **kwargs)`` returns the gradient for its argument given the
    output cotangent ``g`` (a tuple of them when ``multi``), the output ``ans`` and the
    call's arguments.  Write it with NumPy calls so it is differentiable again.
    ``varargs``: the last vjp serves every further positional argument (``*arrays``).
    ``view``: the output may share memory with argument 0 (in-place updates through it
    reach argument 0).  ``multi``: the function returns a tuple of arrays.
    """
    _check_new(func)
    rule = Rule(lookup_name(func), tuple(vjps), view=view, multi=multi, inplace=inplace,
                varargs=varargs)
    rule.key = func
    RULES[func] = rule
    return rule


def elementwise(func: Any, *partials: Callable | None) -> Rule:
    """Register an elementwise function by its partial derivatives ``d(ans, *inputs)``.

    The engine forms ``g * conj(d)`` for each input and sums it back to the input's shape.
    """
    _check_new(func)
    rule = Rule(lookup_name(func), tuple(partials), elementwise=True)
    rule.key = func
    RULES[func] = rule
    return rule


def nondiff(*funcs: Any) -> None:
    """Register functions that run on Tensors and return untracked results."""
    for f in funcs:
        RULES.pop(f, None)
        COMPOSITES.pop(f, None)
        NONDIFF.add(f)


def composite(*funcs: Any) -> Callable:
    """Register our own implementation of ``funcs`` in NumPy calls (recorded as they run).

    Used where NumPy's implementation converts its input with ``asarray`` (losing the
    tape) or where a function is best differentiated through simpler ones.
    """

    def register(impl: Callable) -> Callable:
        for f in funcs:
            RULES.pop(f, None)
            NONDIFF.discard(f)
            COMPOSITES[f] = impl
        return impl

    return register
