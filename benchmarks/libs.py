"""One adapter per library: how to make arrays, run a function, and get gradients with it.

A workload writes its model once as ``model(ns, *params, *consts)`` with ``ns`` the library's
math namespace (``np`` for gradarray: plain NumPy code) and hands it to the adapter, which
returns ready-to-time callables.  The NumPy floor has no adapter for gradients: each workload
writes its gradient by hand.  Libraries are imported only when their adapter is made, so a
cell pays for (and the first-call workload times) one import only.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

# name -> (module to import, label in tables)
LIBS: dict[str, tuple[str, str]] = {
    "numpy": ("numpy", "NumPy, hand-written gradient (floor)"),
    "gradarray": ("gradarray", "gradarray"),
    "autograd": ("autograd", "autograd"),
    "mygrad": ("mygrad", "MyGrad"),
    "jax": ("jax", "JAX eager"),
    "jax-jit": ("jax", "JAX jit"),
    "tf": ("tensorflow", "TensorFlow eager"),
    "tf-function": ("tensorflow", "TensorFlow tf.function"),
    "torch": ("torch", "PyTorch eager"),
}
COMPILED = {"jax-jit", "tf-function"}


def installed(name: str) -> bool:
    """Whether the library behind ``name`` can be found (without importing it)."""
    return importlib.util.find_spec(LIBS[name][0]) is not None


class Adapter:
    """The common interface; subclasses fill it in for one library.

    ``vg(f)`` -> ``fn(P, *C) -> (value, [grads])`` with ``P`` the parameter list;
    ``sgd(f, lr)`` -> ``fn(P, *C) -> value`` updating ``P`` (in place, or by replacing its
    entries); ``forward(f)`` -> ``fn(P, *C)`` not recording; ``forward_recording(f)`` ->
    ``fn(P, *C)`` recording but not running the backward pass (``None`` where meaningless).
    Every callable returns finished results (JAX's asynchronous dispatch is waited for).
    """

    name = ""
    ns: Any = None
    version = ""

    def params(self, arrays: list) -> list:
        return [self.const(a.copy()) for a in arrays]

    def const(self, a: Any) -> Any:
        return a

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x)

    def forward(self, f: Callable) -> Callable:
        return lambda P, *C: f(self.ns, *P, *C)

    def forward_recording(self, f: Callable) -> Callable | None:
        return None

    def vg(self, f: Callable) -> Callable:
        raise NotImplementedError

    def sgd(self, f: Callable, lr: float) -> Callable:
        vg = self.vg(f)

        def step(P: list, *C: Any) -> Any:
            v, gs = vg(P, *C)
            for p, g in zip(P, gs):
                p -= lr * g
            return v

        return step


def _ns(**kw: Any) -> SimpleNamespace:
    return SimpleNamespace(**kw)


class NumpyAdapter(Adapter):
    def __init__(self) -> None:
        import numpy as np

        self.name, self.version = "numpy", np.__version__
        self.ns = _ns(sin=np.sin, exp=np.exp, tanh=np.tanh, log=np.log, abs=np.abs,
                      sum=lambda x, axis=None: np.sum(x, axis=axis),
                      max=lambda x, axis=None: np.max(x, axis=axis, keepdims=True),
                      mean=np.mean, relu=lambda x: np.maximum(x, 0), where=np.where)


class GradarrayAdapter(NumpyAdapter):
    """Plain NumPy code on ``ga.Tensor`` inputs."""

    def __init__(self) -> None:
        super().__init__()
        import gradarray as ga

        self.ga = ga
        self.name, self.version = "gradarray", ga.__version__

    def const(self, a: Any) -> Any:
        return self.ga.asarray(a)

    def vg(self, f: Callable) -> Callable:
        vgf = self.ga.value_and_grad(lambda P, *C: f(self.ns, *P, *C))
        return lambda P, *C: vgf(P, *C)

    def forward_recording(self, f: Callable) -> Callable:
        vjp = self.ga.vjp
        return lambda P, *C: vjp(lambda *p: f(self.ns, *p, *C), *P)[0]


class AutogradAdapter(Adapter):
    def __init__(self) -> None:
        import autograd
        import autograd.numpy as anp

        self.autograd = autograd
        self.name, self.version = "autograd", getattr(autograd, "__version__", "")
        if not self.version:
            from importlib.metadata import version

            self.version = version("autograd")
        self.ns = _ns(sin=anp.sin, exp=anp.exp, tanh=anp.tanh, log=anp.log, abs=anp.abs,
                      sum=lambda x, axis=None: anp.sum(x, axis=axis),
                      max=lambda x, axis=None: anp.max(x, axis=axis, keepdims=True),
                      mean=anp.mean, relu=lambda x: anp.maximum(x, 0), where=anp.where)

    def vg(self, f: Callable) -> Callable:
        vgf = self.autograd.value_and_grad(lambda P, *C: f(self.ns, *P, *C))
        return lambda P, *C: vgf(list(P), *C)

    def forward_recording(self, f: Callable) -> Callable:
        make_vjp = self.autograd.make_vjp
        return lambda P, *C: make_vjp(lambda p: f(self.ns, *p, *C))(list(P))[1]


class MygradAdapter(Adapter):
    def __init__(self) -> None:
        import mygrad as mg

        self.mg = mg
        self.name, self.version = "mygrad", mg.__version__
        self.ns = _ns(sin=mg.sin, exp=mg.exp, tanh=mg.tanh, log=mg.log, abs=mg.abs,
                      sum=lambda x, axis=None: mg.sum(x, axis=axis),
                      max=lambda x, axis=None: mg.max(x, axis=axis, keepdims=True),
                      mean=mg.mean, relu=lambda x: mg.maximum(x, 0), where=mg.where)

    def params(self, arrays: list) -> list:
        return [self.mg.tensor(a.copy()) for a in arrays]

    def const(self, a: Any) -> Any:
        return self.mg.tensor(a, constant=True)

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x.data if isinstance(x, self.mg.Tensor) else x)

    def forward(self, f: Callable) -> Callable:
        mg = self.mg

        def fwd(P: list, *C: Any) -> Any:
            with mg.no_autodiff:
                return f(self.ns, *P, *C)

        return fwd

    def forward_recording(self, f: Callable) -> Callable:
        return lambda P, *C: f(self.ns, *P, *C)

    def vg(self, f: Callable) -> Callable:
        def vg(P: list, *C: Any) -> Any:
            v = f(self.ns, *P, *C)
            v.backward()
            return v, [p.grad for p in P]

        return vg

    def sgd(self, f: Callable, lr: float) -> Callable:
        vg = self.vg(f)

        def step(P: list, *C: Any) -> Any:
            v, gs = vg(P, *C)
            for p, g in zip(P, gs):
                p.data -= lr * g
            return v

        return step


class JaxAdapter(Adapter):
    def __init__(self, jit: bool) -> None:
        import jax

        jax.config.update("jax_enable_x64", True)   # float64 workloads stay float64
        jax.config.update("jax_platforms", "cpu")
        import jax.numpy as jnp

        self.jax, self.jit = jax, jit
        self.name, self.version = ("jax-jit" if jit else "jax"), jax.__version__
        self.ns = _ns(sin=jnp.sin, exp=jnp.exp, tanh=jnp.tanh, log=jnp.log, abs=jnp.abs,
                      sum=lambda x, axis=None: jnp.sum(x, axis=axis),
                      max=lambda x, axis=None: jnp.max(x, axis=axis, keepdims=True),
                      mean=jnp.mean, relu=lambda x: jnp.maximum(x, 0), where=jnp.where)

    def const(self, a: Any) -> Any:
        return self.jax.device_put(a)

    def params(self, arrays: list) -> list:
        return [self.jax.device_put(a.copy()) for a in arrays]

    def _maybe_jit(self, fn: Callable) -> Callable:
        return self.jax.jit(fn) if self.jit else fn

    def forward(self, f: Callable) -> Callable:
        fn = self._maybe_jit(lambda P, *C: f(self.ns, *P, *C))
        block = self.jax.block_until_ready
        return lambda P, *C: block(fn(P, *C))

    def forward_recording(self, f: Callable) -> Callable | None:
        if self.jit:
            return None
        jax = self.jax
        return lambda P, *C: jax.block_until_ready(
            jax.vjp(lambda *p: f(self.ns, *p, *C), *P)[0])

    def vg(self, f: Callable) -> Callable:
        fn = self._maybe_jit(self.jax.value_and_grad(lambda P, *C: f(self.ns, *P, *C)))
        block = self.jax.block_until_ready
        return lambda P, *C: block(fn(list(P), *C))

    def sgd(self, f: Callable, lr: float) -> Callable:
        vgf = self.jax.value_and_grad(lambda P, *C: f(self.ns, *P, *C))

        def update(P: list, *C: Any) -> Any:
            v, gs = vgf(P, *C)
            return v, [p - lr * g for p, g in zip(P, gs)]

        fn = self._maybe_jit(update)
        block = self.jax.block_until_ready

        def step(P: list, *C: Any) -> Any:
            v, new = block(fn(list(P), *C))
            P[:] = new
            return v

        return step


class TfAdapter(Adapter):
    def __init__(self, function: bool) -> None:
        import tensorflow as tf

        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:   # already initialised: the environment variables hold
            pass
        self.tf, self.function = tf, function
        self.name, self.version = ("tf-function" if function else "tf"), tf.__version__
        self.ns = _ns(sin=tf.sin, exp=tf.exp, tanh=tf.tanh, log=tf.math.log, abs=tf.abs,
                      sum=lambda x, axis=None: tf.reduce_sum(x, axis=axis),
                      max=lambda x, axis=None: tf.reduce_max(x, axis=axis, keepdims=True),
                      mean=tf.reduce_mean, relu=tf.nn.relu, where=tf.where)

    def const(self, a: Any) -> Any:
        return self.tf.constant(a)

    def params(self, arrays: list) -> list:
        return [self.tf.Variable(a.copy()) for a in arrays]

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x.numpy() if hasattr(x, "numpy") else x)

    def _maybe_function(self, fn: Callable) -> Callable:
        return self.tf.function(fn) if self.function else fn

    def forward(self, f: Callable) -> Callable:
        return self._maybe_function(lambda P, *C: f(self.ns, *P, *C))

    def forward_recording(self, f: Callable) -> Callable | None:
        if self.function:
            return None
        tf = self.tf

        def fwd(P: list, *C: Any) -> Any:
            with tf.GradientTape():
                return f(self.ns, *P, *C)

        return fwd

    def _vg(self, f: Callable) -> Callable:
        tf = self.tf

        def vg(P: list, *C: Any) -> Any:
            with tf.GradientTape() as tape:
                v = f(self.ns, *P, *C)
            return v, tape.gradient(v, P)

        return vg

    def vg(self, f: Callable) -> Callable:
        return self._maybe_function(self._vg(f))

    def sgd(self, f: Callable, lr: float) -> Callable:
        vg = self._vg(f)

        def step(P: list, *C: Any) -> Any:
            v, gs = vg(P, *C)
            for p, g in zip(P, gs):
                p.assign_sub(lr * g)
            return v

        return self._maybe_function(step)


class TorchAdapter(Adapter):
    def __init__(self) -> None:
        import torch

        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        self.torch = torch
        self.name, self.version = "torch", torch.__version__

        def tsum(x: Any, axis: Any = None) -> Any:
            return torch.sum(x) if axis is None else torch.sum(x, dim=axis)

        self.ns = _ns(sin=torch.sin, exp=torch.exp, tanh=torch.tanh, log=torch.log,
                      abs=torch.abs, sum=tsum,
                      max=lambda x, axis=None: torch.amax(x, dim=axis, keepdim=True),
                      mean=torch.mean, relu=torch.relu, where=torch.where)

    def const(self, a: Any) -> Any:
        import numpy as np

        return self.torch.as_tensor(np.asarray(a))

    def params(self, arrays: list) -> list:
        return [self.torch.from_numpy(a.copy()).requires_grad_() for a in arrays]

    def to_numpy(self, x: Any) -> Any:
        import numpy as np

        return np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)

    def forward(self, f: Callable) -> Callable:
        torch = self.torch

        def fwd(P: list, *C: Any) -> Any:
            with torch.no_grad():
                return f(self.ns, *P, *C)

        return fwd

    def forward_recording(self, f: Callable) -> Callable:
        return lambda P, *C: f(self.ns, *P, *C)

    def vg(self, f: Callable) -> Callable:
        agrad = self.torch.autograd.grad

        def vg(P: list, *C: Any) -> Any:
            v = f(self.ns, *P, *C)
            return v, agrad(v, P)

        return vg

    def sgd(self, f: Callable, lr: float) -> Callable:
        vg = self.vg(f)
        torch = self.torch

        def step(P: list, *C: Any) -> Any:
            v, gs = vg(P, *C)
            with torch.no_grad():
                for p, g in zip(P, gs):
                    p.sub_(g, alpha=lr)
            return v.detach()

        return step


def make(name: str) -> Adapter:
    """The adapter for library ``name`` (imports the library)."""
    if name == "numpy":
        return NumpyAdapter()
    if name == "gradarray":
        return GradarrayAdapter()
    if name == "autograd":
        return AutogradAdapter()
    if name == "mygrad":
        return MygradAdapter()
    if name in ("jax", "jax-jit"):
        return JaxAdapter(jit=name == "jax-jit")
    if name in ("tf", "tf-function"):
        return TfAdapter(function=name == "tf-function")
    if name == "torch":
        return TorchAdapter()
    raise ValueError(f"unknown library {name!r}; known: {', '.join(LIBS)}")
