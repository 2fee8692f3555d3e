"""The ``linalg`` extension: ``numpy.linalg`` with the standard's signatures."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor
from ._linear_algebra import matmul, matrix_transpose, tensordot, vecdot

__all__ = ["cholesky", "cross", "det", "diagonal", "eig", "eigh", "eigvals", "eigvalsh",
           "inv", "matmul", "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose",
           "outer", "pinv", "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace",
           "vecdot", "vector_norm", "EigResult"]


class EigResult(NamedTuple):
    """``eig``'s result: complex eigenvalues and eigenvectors."""

    eigenvalues: Tensor
    eigenvectors: Tensor


def cholesky(x: Tensor, /, *, upper: bool = False) -> Tensor:
    """Cholesky factor (lower by default)."""
    return np.linalg.cholesky(x, upper=upper)


def cross(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Cross product of 3-vectors along ``axis``."""
    return np.cross(x1, x2, axis=axis)


def det(x: Tensor, /) -> Tensor:
    """Determinant."""
    return np.linalg.det(x)


def diagonal(x: Tensor, /, *, offset: int = 0) -> Tensor:
    """Diagonal of the last two axes."""
    return np.diagonal(x, offset, axis1=-2, axis2=-1)


def eig(x: Tensor, /) -> EigResult:
    """Eigen-decomposition of a general matrix; always complex, as the standard requires."""
    w, v = np.linalg.eig(x)
    return EigResult(_complex(w), _complex(v))


def eigvals(x: Tensor, /) -> Tensor:
    """Eigenvalues of a general matrix, always complex."""
    return _complex(np.linalg.eigvals(x))


def _complex(a: Tensor) -> Tensor:
    if a.dtype.kind == "c":
        return a
    return np.astype(a, np.complex64 if a.dtype == np.float32 else np.complex128)


def eigh(x: Tensor, /) -> Any:
    """Eigen-decomposition of a symmetric / Hermitian matrix (``eigenvalues, eigenvectors``)."""
    return np.linalg.eigh(x)


def eigvalsh(x: Tensor, /) -> Tensor:
    """Eigenvalues of a symmetric / Hermitian matrix, ascending."""
    return np.linalg.eigvalsh(x)


def inv(x: Tensor, /) -> Tensor:
    """Matrix inverse."""
    return np.linalg.inv(x)


def slogdet(x: Tensor, /) -> Any:
    """Sign and log of the absolute determinant (``sign, logabsdet``)."""
    return np.linalg.slogdet(x)


svdvals = np.linalg.svdvals


def matrix_norm(x: Tensor, /, *, keepdims: bool = False,
                ord: int | float | str | None = "fro") -> Tensor:
    """Matrix norm of the last two axes."""
    return np.linalg.matrix_norm(x, keepdims=keepdims, ord=ord)


def matrix_power(x: Tensor, n: int, /) -> Tensor:
    """Integer power of square matrices."""
    return np.linalg.matrix_power(x, n)


def matrix_rank(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """Rank by singular values above ``rtol * largest``."""
    return np.linalg.matrix_rank(x, rtol=rtol)


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Outer product of two vectors."""
    return np.outer(x1, x2)


def pinv(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """Moore-Penrose pseudo-inverse."""
    return np.linalg.pinv(x, rtol=rtol)


def qr(x: Tensor, /, *, mode: str = "reduced") -> Any:
    """QR factorisation (``mode``: "reduced" or "complete")."""
    return np.linalg.qr(x, mode=mode)


def solve(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Solve ``x1 @ out = x2`` (``x2`` is a vector only when it is 1-d)."""
    return np.linalg.solve(x1, x2)


def svd(x: Tensor, /, *, full_matrices: bool = True) -> Any:
    """Singular value decomposition (``U, S, Vh``)."""
    return np.linalg.svd(x, full_matrices=full_matrices)


def trace(x: Tensor, /, *, offset: int = 0, dtype: Any = None) -> Tensor:
    """Sum of the diagonal of the last two axes."""
    return np.trace(x, offset, axis1=-2, axis2=-1, dtype=dtype)


def vector_norm(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None,
                keepdims: bool = False, ord: int | float = 2) -> Tensor:
    """Vector norm over ``axis`` (all axes by default)."""
    return np.linalg.vector_norm(x, axis=axis, keepdims=keepdims, ord=ord)
