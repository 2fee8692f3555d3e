"""Second derivatives: Newton's method with ``ga.hessian``, and Newton-CG with Hessian-vector
products that never form the Hessian.

The objective is the Rosenbrock function in plain NumPy.  Part 1 minimises it in 2-D from the
classic start (-1.2, 1) with Newton steps ``solve(H, -g)`` (``H = ga.hessian(f)(x)``) and
compares with gradient descent.  Part 2 minimises it in ``--dim`` dimensions with truncated
Newton: conjugate gradients on ``H p = -g`` where each ``H v`` is one forward-over-reverse
product, ``ga.jvp(ga.grad(f), (x,), (v,))``, at a few times the cost of a gradient.

    python examples/newton_hessian.py [--dim 1000] [--quick] [--out-dir DIR]

Prints the iterations and writes ``newton_hessian.png`` (paths and convergence).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import gradarray as ga


def rosenbrock(x):
    """sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2; minimum 0 at x = (1, ..., 1)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def backtrack(f, x, fx, g, p, shrink=0.5, c=1e-4):
    """Largest step 1, 1/2, 1/4, ... along p with sufficient decrease (Armijo)."""
    t = 1.0
    while f(x + t * p) > fx + c * t * float(g @ p) and t > 1e-10:
        t *= shrink
    return t


def newton(f, x0, tol=1e-10, max_iter=50):
    """Newton's method with the exact Hessian and a backtracking line search."""
    value_and_grad, hess = ga.value_and_grad(f), ga.hessian(f)
    x, path = np.asarray(x0, dtype=float), [np.asarray(x0, dtype=float)]
    for _ in range(max_iter):
        fx, g = value_and_grad(x)
        if np.linalg.norm(g) < tol:
            break
        p = np.linalg.solve(hess(x), -g)
        if g @ p >= 0:  # Hessian not positive definite here: fall back to steepest descent
            p = -g
        x = x + backtrack(f, x, fx, g, p) * p
        path.append(np.asarray(x))
    return x, np.array(path)


def gradient_descent(f, x0, lr=1e-3, steps=5000):
    """Plain gradient descent, for comparison."""
    grad = ga.grad(f)
    x, path = np.asarray(x0, dtype=float), [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        x = x - lr * grad(x)
        path.append(np.asarray(x))
    return x, np.array(path)


def hvp(f, x, v):
    """Hessian-vector product H(x) v: forward mode (jvp) over reverse mode (grad)."""
    return ga.jvp(ga.grad(f), (x,), (v,))[1]


def newton_cg(f, x0, tol=1e-8, max_iter=100, log=print):
    """Truncated Newton: solve H p = -g by conjugate gradients using only Hessian-vector
    products; stop CG early at negative curvature or once the residual is small."""
    value_and_grad = ga.value_and_grad(f)
    x, grad_norms, n_hvp = np.asarray(x0, dtype=float), [], 0
    for it in range(max_iter):
        fx, g = value_and_grad(x)
        grad_norms.append(float(np.linalg.norm(g)))
        if grad_norms[-1] < tol:
            break
        # CG on H p = -g, starting from p = 0 (Nocedal & Wright, Algorithm 7.1).
        p, r = np.zeros_like(x), np.asarray(g)
        d = -r
        cg_tol = min(0.5, np.sqrt(grad_norms[-1])) * grad_norms[-1]
        for _ in range(len(x)):
            hd = hvp(f, x, d)
            n_hvp += 1
            curvature = float(d @ hd)
            if curvature <= 0:
                if not p.any():
                    p = -np.asarray(g)
                break
            alpha = float(r @ r) / curvature
            p = p + alpha * d
            r_new = r + alpha * hd
            if np.linalg.norm(r_new) < cg_tol:
                break
            d = -r_new + float(r_new @ r_new) / float(r @ r) * d
            r = r_new
        x = x + backtrack(f, x, fx, g, p) * p
        if it % 5 == 0:
            log(f"  iteration {it:2d}: f = {float(fx):.3e}, |grad| = {grad_norms[-1]:.2e}")
    return x, grad_norms, n_hvp


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=1000, help="dimension for Newton-CG")
    parser.add_argument("--quick", action="store_true", help="dim 50, fewer GD steps (tests)")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args(argv)
    dim = 50 if args.quick else args.dim

    print("Part 1: Rosenbrock in 2-D from (-1.2, 1)")
    start = time.perf_counter()
    x_newton, newton_path = newton(rosenbrock, [-1.2, 1.0])
    took = time.perf_counter() - start
    print(f"  Newton (ga.hessian): {len(newton_path) - 1} steps, {took:.3f} s, "
          f"x = {np.round(x_newton, 8)}, f = {float(rosenbrock(x_newton)):.1e}")
    gd_steps = 500 if args.quick else 5000
    start = time.perf_counter()
    x_gd, gd_path = gradient_descent(rosenbrock, [-1.2, 1.0], steps=gd_steps)
    took = time.perf_counter() - start
    print(f"  gradient descent:    {gd_steps} steps, {took:.3f} s, x = {np.round(x_gd, 4)}, "
          f"f = {float(rosenbrock(x_gd)):.1e}")

    print(f"Part 2: Rosenbrock in {dim}-D, Newton-CG with Hessian-vector products")
    rng = np.random.default_rng(0)
    # SciPy's tutorial start, repeated; from (-1.2, 1, -1.2, ...) n-D Rosenbrock has a local
    # minimum near x[0] = -1 that Newton methods find instead.
    x0 = np.resize([1.3, 0.7, 0.8, 1.9, 1.2], dim)
    # One Hessian-vector product checked against the full Hessian (small slice of the problem).
    small, v = x0[:20], rng.normal(size=20)
    err = np.max(np.abs(hvp(rosenbrock, small, v) - ga.hessian(rosenbrock)(small) @ v))
    print(f"  check: |jvp(grad(f)) v - hessian(f) @ v| = {err:.1e} (n = 20)")
    start = time.perf_counter()
    x_cg, grad_norms, n_hvp = newton_cg(rosenbrock, x0)
    took = time.perf_counter() - start
    print(f"  Newton-CG: {len(grad_norms) - 1} Newton steps, {n_hvp} Hessian-vector products, "
          f"{took:.2f} s; max |x - 1| = {np.max(np.abs(x_cg - 1)):.1e}")

    path = os.path.join(args.out_dir, "newton_hessian.png")
    plot(newton_path, gd_path, grad_norms, dim, path)
    print(f"Plot saved to {path}")
    return {"newton": x_newton, "newton_steps": len(newton_path) - 1, "gd": x_gd,
            "newton_cg": x_cg, "grad_norms": grad_norms, "hvp_error": float(err), "plot": path}


def plot(newton_path, gd_path, grad_norms, dim, path):
    """Left: both 2-D paths over the contours; right: Newton-CG's gradient norm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_cg) = plt.subplots(1, 2, figsize=(11, 4.5))
    a, b = np.meshgrid(np.linspace(-2, 2, 300), np.linspace(-1, 3, 300))
    z = 100 * (b - a ** 2) ** 2 + (1 - a) ** 2  # plain ndarrays: not recorded
    ax.contour(a, b, np.log10(z + 1e-3), levels=20, cmap="Greys", linewidths=0.7)
    ax.plot(gd_path[:, 0], gd_path[:, 1], "-", color="tab:blue",
            label=f"gradient descent ({len(gd_path) - 1} steps)")
    ax.plot(newton_path[:, 0], newton_path[:, 1], "o-", color="tab:red",
            label=f"Newton ({len(newton_path) - 1} steps)")
    ax.plot([1], [1], "k*", markersize=12, label="minimum (1, 1)")
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title("Rosenbrock, 2-D")
    ax.legend(loc="lower right", fontsize=8)
    ax_cg.semilogy(grad_norms, "o-")
    ax_cg.set_xlabel("Newton-CG iteration")
    ax_cg.set_ylabel("|gradient|")
    ax_cg.set_title(f"Rosenbrock, {dim}-D, Hessian-vector products only")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
