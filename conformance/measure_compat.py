"""Measure whether array-api-compat's numpy namespace could carry gradarray's namespace.

For each namespace (``array_api_compat.numpy`` and ``gradarray.array_api``) it reports:

- *recorded*: how many of a fixed list of calls on a recorded Tensor return a recorded
  Tensor (``tape lost``: a plain ndarray or an untracked result; ``no rule``: the call
  reached gradarray's dispatch but NumPy's function has no derivative rule yet);
- *signatures*: how many public functions have parameters that differ from
  array-api-strict's (names, positional-only / keyword-only kinds, defaults);
- *µs per call* on a small float64 Tensor, next to the bare NumPy call.

Run ``python conformance/measure_compat.py``; the numbers go to docs/array-api.md.
"""

from __future__ import annotations

import inspect
import timeit
from collections.abc import Callable
from typing import Any

import array_api_compat.numpy as cnp
import array_api_strict as strict
import numpy as np

import gradarray as ga
import gradarray.array_api as gxp
from gradarray.errors import NoRuleError

# name -> call(xp, x) with x a 3x3 float64 matrix (recorded when measured)
CALLS: dict[str, Callable[[Any, Any], Any]] = {
    "exp": lambda xp, x: xp.exp(x),
    "acos": lambda xp, x: xp.acos(x * 0.1),
    "pow": lambda xp, x: xp.pow(x, 2.0),
    "add": lambda xp, x: xp.add(x, 1.0),
    "clip": lambda xp, x: xp.clip(x, 0.1, 0.9),
    "where": lambda xp, x: xp.where(x > 0.5, x, 0.0),
    "sum": lambda xp, x: xp.sum(x, axis=0),
    "mean": lambda xp, x: xp.mean(x),
    "std": lambda xp, x: xp.std(x, correction=1),
    "var": lambda xp, x: xp.var(x, axis=1),
    "prod": lambda xp, x: xp.prod(x),
    "max": lambda xp, x: xp.max(x, axis=0),
    "cumulative_sum": lambda xp, x: xp.cumulative_sum(x, axis=0),
    "asarray": lambda xp, x: xp.asarray(x),
    "astype": lambda xp, x: xp.astype(x, xp.float32),
    "reshape": lambda xp, x: xp.reshape(x, (9,)),
    "permute_dims": lambda xp, x: xp.permute_dims(x, (1, 0)),
    "concat": lambda xp, x: xp.concat([x, x]),
    "stack": lambda xp, x: xp.stack([x, x]),
    "expand_dims": lambda xp, x: xp.expand_dims(x, axis=0),
    "squeeze": lambda xp, x: xp.squeeze(xp.expand_dims(x, axis=0), axis=0),
    "flip": lambda xp, x: xp.flip(x, axis=0),
    "roll": lambda xp, x: xp.roll(x, 1, axis=0),
    "broadcast_arrays": lambda xp, x: xp.broadcast_arrays(x, x[0])[1],
    "broadcast_to": lambda xp, x: xp.broadcast_to(x[0], (3, 3)),
    "unstack": lambda xp, x: xp.unstack(x)[0],
    "tile": lambda xp, x: xp.tile(x, (2, 1)),
    "take": lambda xp, x: xp.take(x, xp.asarray([0, 2]), axis=0),
    "sort": lambda xp, x: xp.sort(x, axis=0),
    "tril": lambda xp, x: xp.tril(x),
    "meshgrid": lambda xp, x: xp.meshgrid(x[0], x[1])[0],
    "diff": lambda xp, x: xp.diff(x, axis=0),
    "matmul": lambda xp, x: xp.matmul(x, x),
    "vecdot": lambda xp, x: xp.vecdot(x, x),
    "tensordot": lambda xp, x: xp.tensordot(x, x, axes=1),
    "matrix_transpose": lambda xp, x: xp.matrix_transpose(x),
    "linalg.inv": lambda xp, x: xp.linalg.inv(x),
    "linalg.det": lambda xp, x: xp.linalg.det(x),
    "linalg.solve": lambda xp, x: xp.linalg.solve(x, x),
    "linalg.vector_norm": lambda xp, x: xp.linalg.vector_norm(x),
    "linalg.trace": lambda xp, x: xp.linalg.trace(x),
    "fft.fft": lambda xp, x: xp.fft.fft(x),
}

TIMED = ("exp", "add", "sum", "std", "clip", "reshape", "concat", "astype", "asarray",
         "sort", "matmul")


def recorded(xp: Any, call: Callable) -> str:
    """'recorded', 'no rule', 'tape lost' or the exception's name."""
    x0 = ga.tensor(np.random.default_rng(0).uniform(0.2, 0.8, (3, 3)))
    seen: list = []

    def f(x: Any) -> Any:
        out = call(xp, x)
        seen.append(out)
        return np.sum(np.real(ga.asarray(out)))

    try:
        ga.vjp(f, x0)
    except NoRuleError:
        return "no rule"
    except Exception as e:  # noqa: BLE001  (a measurement: report, go on)
        out = seen[0] if seen else None
        if out is not None and not (isinstance(out, ga.Tensor) and out._node is not None):
            return "tape lost"
        return type(e).__name__
    out = seen[0]
    return "recorded" if isinstance(out, ga.Tensor) and out._node is not None else "tape lost"


def signature_mismatches(xp: Any) -> list[str]:
    """Public functions whose parameters differ from array-api-strict's."""
    bad = []
    for mod_name in ("", "linalg", "fft"):
        ref = getattr(strict, mod_name) if mod_name else strict
        ours = getattr(xp, mod_name) if mod_name else xp
        for name in ref.__all__:
            f, g = getattr(ref, name), getattr(ours, name, None)
            if not inspect.isfunction(f) or name.endswith("_flags"):
                continue
            if g is None or not _same_params(f, g):
                bad.append(f"{mod_name + '.' if mod_name else ''}{name}")
    return bad


def _same_params(ref: Callable, f: Callable) -> bool:
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        return False
    params = sig.parameters
    for p in inspect.signature(ref).parameters.values():
        q = params.get(p.name)
        if q is None and p.kind == p.POSITIONAL_ONLY:
            i = list(inspect.signature(ref).parameters).index(p.name)
            q = list(params.values())[i] if i < len(params) else None
        if q is None or q.kind != p.kind:
            return False
    extra = set(params) - set(inspect.signature(ref).parameters)
    return all(params[n].default is not inspect.Parameter.empty or
               params[n].kind in (inspect.Parameter.VAR_POSITIONAL,
                                  inspect.Parameter.VAR_KEYWORD)
               for n in extra if params[n].kind != inspect.Parameter.POSITIONAL_ONLY)


def microseconds(xp: Any, call: Callable, n: int = 500) -> float:
    """Time of one call on an untracked 3x3 Tensor (best of 15 runs of ``n``: the machine
    is shared, the minimum is the least disturbed)."""
    x = ga.tensor(np.random.default_rng(0).uniform(0.2, 0.8, (3, 3)))
    return min(timeit.repeat(lambda: call(xp, x), number=n, repeat=15)) / n * 1e6


def main() -> None:
    """Print the three measurements as Markdown."""
    spaces = {"array_api_compat.numpy": cnp, "gradarray.array_api": gxp}
    print("| call | " + " | ".join(spaces) + " |\n|---|---|---|")
    counts = {k: {} for k in spaces}
    for name, call in CALLS.items():
        row = []
        for k, xp in spaces.items():
            r = recorded(xp, call)
            counts[k][r] = counts[k].get(r, 0) + 1
            row.append(r)
        print(f"| `{name}` | " + " | ".join(row) + " |")
    for k in spaces:
        print(f"\n{k}: {counts[k]} of {len(CALLS)} calls")
    for k, xp in spaces.items():
        bad = signature_mismatches(xp)
        print(f"\n{k}: {len(bad)} signatures differ from array-api-strict's: {', '.join(bad)}")
    print("\n| call (µs) | numpy on Tensor | " + " | ".join(spaces) + " |\n|---|---|---|---|")
    bare = {"exp": lambda x: np.exp(x), "add": lambda x: np.add(x, 1.0),
            "sum": lambda x: np.sum(x, axis=0), "std": lambda x: np.std(x, ddof=1),
            "clip": lambda x: np.clip(x, 0.1, 0.9), "reshape": lambda x: np.reshape(x, (9,)),
            "concat": lambda x: np.concatenate([x, x]), "astype": lambda x: x.astype(np.float32),
            "asarray": lambda x: ga.asarray(x), "sort": lambda x: np.sort(x, axis=0),
            "matmul": lambda x: np.matmul(x, x)}
    for name in TIMED:
        t0 = microseconds(None, lambda xp, x, f=bare[name]: f(x))
        ts = [microseconds(xp, CALLS[name]) for xp in spaces.values()]
        print(f"| `{name}` | {t0:.1f} | " + " | ".join(f"{t:.1f}" for t in ts) + " |")


if __name__ == "__main__":
    main()
