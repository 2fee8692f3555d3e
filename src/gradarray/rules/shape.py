"""Derivatives of shape, joining, splitting, tiling and rearranging functions.

Most are linear: the gradient is the transposed operation applied to ``g``.  Functions that
only select elements in a complicated pattern (insert, delete, resize) find where each
output element came from by running the function itself on an array of flat indices.
Functions NumPy builds from simpler ones (hstack, block, append ...) are composites.
"""

from __future__ import annotations

import numpy as np

from ..registry import composite, defvjp, nondiff
from ._util import like


def _flat_index(shape, like):
    """``arange(prod(shape)).reshape(shape)``: the flat position of every element."""
    return np.reshape(np.arange(int(np.prod(shape)), like=like), shape)


def _gather_vjp(g, src, shape):
    """Gradient of ``out = ravel(x)[src]`` (src: flat source of every output element)."""
    gx = np.zeros_like(g, shape=(int(np.prod(shape)),))
    np.add.at(gx, np.ravel(src), np.ravel(g))
    return np.reshape(gx, shape)


# ----- Reshaping -----
def reshape_vjp(g, ans, a, shape=None, order="C", *, copy=None):
    if order in ("A", "a"):  # Fortran order for a Fortran-contiguous ``a`` only
        fortran = a.ndim > 1 and _read_order(a.shape, a.strides, a.dtype.itemsize, "A")[0]
        order = "F" if fortran else "C"
    return np.reshape(g, a.shape, order=order)


defvjp(np.reshape, reshape_vjp, view=True)


def _contiguous(shape, strides, itemsize, fortran=False):
    """Whether this layout is C- (or Fortran-) contiguous, as NumPy's flags decide."""
    if 0 in shape:
        return True
    step = itemsize
    for n, s in (zip(shape, strides) if fortran else zip(shape[::-1], strides[::-1])):
        if n != 1:
            if s != step:
                return False
            step *= n
    return True


def _read_order(shape, strides, itemsize, order):
    """The axes in the order ``ravel(a, order)`` reads them (outermost first)."""
    order = order.upper()
    c_order = tuple(range(len(shape)))
    if order == "F":
        return c_order[::-1]
    if order not in ("A", "K") or _contiguous(shape, strides, itemsize):
        return c_order
    if order == "A" or _contiguous(shape, strides, itemsize, fortran=True):
        # "A": Fortran order for Fortran-contiguous arrays only.
        return c_order[::-1] if _contiguous(shape, strides, itemsize, fortran=True) else c_order
    # "K", neither C nor F contiguous: NumPy's iterator sorts the axes by |stride| (an
    # insertion sort from the innermost axis), leaving zero strides (broadcast or length-1
    # axes) where they are.
    axes = list(range(len(shape)))[::-1]
    size = [0 if n == 1 else abs(s) for n, s in zip(shape, strides)]
    for i in range(1, len(axes)):
        ax, pos = axes[i], i
        for k in range(i - 1, -1, -1):
            if size[ax] and size[axes[k]]:
                if size[axes[k]] <= size[ax]:
                    break
                pos = k
        axes.insert(pos, axes.pop(i))
    return tuple(axes[::-1])


def ravel_vjp(g, ans, a, order="C"):
    if order in ("C", "c", None):
        return np.reshape(g, a.shape)
    axes = _read_order(a.shape, a.strides, a.dtype.itemsize, order)
    return np.transpose(np.reshape(g, [a.shape[i] for i in axes]), np.argsort(axes))


defvjp(np.ravel, ravel_vjp, view=True)
defvjp(np.squeeze, lambda g, ans, a, axis=None: np.reshape(g, a.shape), view=True)
defvjp(np.expand_dims, lambda g, ans, a, axis: np.reshape(g, a.shape), view=True)


def transpose_vjp(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    nd = a.ndim  # (read outside the comprehension, so the node keeps only a's shape)
    return np.transpose(g, np.argsort([ax % nd for ax in axes]))


defvjp(np.transpose, transpose_vjp, view=True)
defvjp(np.permute_dims, transpose_vjp, view=True)
defvjp(np.swapaxes, lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2), view=True)
defvjp(np.moveaxis, lambda g, ans, a, source, destination: np.moveaxis(g, destination, source),
       view=True)
defvjp(np.matrix_transpose, lambda g, ans, x: np.matrix_transpose(g), view=True)
# broadcast_to: the engine sums g back to the input's shape.
defvjp(np.broadcast_to, lambda g, ans, array, shape, subok=False: g, view=True)


@composite(np.atleast_1d)
def atleast_1d(*arys):
    out = tuple(a if np.ndim(a) >= 1 else np.reshape(a, (1,)) for a in arys)
    return out[0] if len(out) == 1 else out


@composite(np.atleast_2d)
def atleast_2d(*arys):
    out = tuple(a if np.ndim(a) >= 2 else np.reshape(a, (1,) * (2 - np.ndim(a)) + np.shape(a))
                for a in arys)
    return out[0] if len(out) == 1 else out


def _as_3d(a):
    nd = np.ndim(a)
    if nd >= 3:
        return a
    if nd == 0:
        return np.reshape(a, (1, 1, 1))
    if nd == 1:
        return np.reshape(a, (1, np.shape(a)[0], 1))
    return np.expand_dims(a, 2)


@composite(np.atleast_3d)
def atleast_3d(*arys):
    out = tuple(_as_3d(a) for a in arys)
    return out[0] if len(out) == 1 else out


@composite(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    return tuple(a if np.shape(a) == shape else np.broadcast_to(a, shape) for a in args)


@composite(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    out = []
    for i, x in enumerate(xi):
        # 'xy' swaps the roles of the first two axes (Cartesian indexing).
        pos = (1 - i if i < 2 else i) if indexing == "xy" and nd > 1 else i
        out.append(np.reshape(x, (1,) * pos + (-1,) + (1,) * (nd - pos - 1)))
    if not sparse:
        out = list(broadcast_arrays(*out))
    if copy:
        out = [np.copy(o) for o in out]
    return tuple(out)


# ----- Copies and casts -----
defvjp(np.copy, lambda g, ans, a, order="K", subok=False: g)
defvjp(np.astype, lambda g, ans, x, dtype, /, *, copy=True, device=None: g)
# np.ascontiguousarray/asfortranarray are not dispatched (they return a plain ndarray for
# a Tensor), so no rule here can see them.


@composite(np.copyto)
def copyto(dst, src, casting="same_kind", where=True):
    # (A plain ndarray target cannot hold the record: dispatch warns, the data is copied.)
    sdt = getattr(src, "dtype", None)
    if sdt is not None and not np.can_cast(sdt, dst.dtype, casting):
        raise TypeError(f"Cannot cast array data from {sdt!r} to {dst.dtype!r} according to "
                        f"the rule {casting!r}")
    # Written as a recorded setitem: dst keeps its gradient where `where` is False.
    dst[...] = src if where is True else np.where(where, src, dst)


# ----- Complex parts (real and imag are views of complex data) -----
def _real_vjp(g, ans, val):
    return g


def _imag_vjp(g, ans, val):
    # d imag(z): under the conj-Wirtinger convention the cotangent of z is -i*... = 1j * g
    return 1j * g if val.dtype.kind == "c" else None


defvjp(np.real, _real_vjp)
defvjp(np.imag, _imag_vjp)

# ----- Selection -----
defvjp(np.where,
       None,
       lambda g, ans, condition, x=None, y=None: np.where(condition, g, 0),
       lambda g, ans, condition, x=None, y=None: np.where(condition, 0, g))


# ----- Joining -----
def concatenate_vjp(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    if axis is None:
        parts = np.split(g, np.cumsum([np.size(a) for a in arrays])[:-1])
        return [np.reshape(p, np.shape(a)) for p, a in zip(parts, arrays, strict=True)]
    return np.split(g, np.cumsum([np.shape(a)[axis] for a in arrays])[:-1], axis=axis)


defvjp(np.concatenate, concatenate_vjp)
defvjp(np.concat, concatenate_vjp)


def stack_vjp(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    return list(np.unstack(g, axis=axis))


defvjp(np.stack, stack_vjp)


@composite(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    arrs = [atleast_1d(a) for a in tup]
    axis = 0 if arrs and np.ndim(arrs[0]) == 1 else 1
    return np.concatenate(arrs, axis, dtype=dtype, casting=casting)


# np.row_stack: an alias of vstack, deprecated in NumPy 2.0 and removed in 2.5.
@composite(np.vstack, *[f for f in (getattr(np, "row_stack", None),) if f is not None])
def vstack(tup, *, dtype=None, casting="same_kind"):
    return np.concatenate([atleast_2d(a) for a in tup], 0, dtype=dtype, casting=casting)


@composite(np.dstack)
def dstack(tup):
    return np.concatenate([_as_3d(a) for a in tup], 2)


@composite(np.column_stack)
def column_stack(tup):
    cols = [a if np.ndim(a) >= 2 else np.reshape(a, (-1, 1)) for a in tup]
    return np.concatenate(cols, 1)


def _block_depth(arrays, path=()):
    """Nesting depth of the lists in ``arrays`` (all leaves must sit at the same depth)."""
    if isinstance(arrays, tuple):
        raise TypeError(f"arrays{''.join(f'[{i}]' for i in path)} is a tuple. Only lists "
                        "can be used to arrange blocks, and np.block does not allow implicit "
                        "conversion from tuple to ndarray.")
    if not isinstance(arrays, list):
        return 0, np.ndim(arrays)
    if not arrays:
        raise ValueError(f"List at arrays{''.join(f'[{i}]' for i in path)} cannot be empty")
    found = [_block_depth(a, path + (i,)) for i, a in enumerate(arrays)]
    if any(d != found[0][0] for d, _ in found):
        raise ValueError("List depths are mismatched.")
    return found[0][0] + 1, max(nd for _, nd in found)


def _block(arrays, depth, ndim):
    if depth == 0:
        return np.reshape(arrays, (1,) * (ndim - np.ndim(arrays)) + np.shape(arrays))
    # Innermost lists join along the last axis, the next ones along the one before, ...
    return np.concatenate([_block(a, depth - 1, ndim) for a in arrays], axis=-depth)


@composite(np.block)
def block(arrays):
    depth, nd = _block_depth(arrays)
    if depth == 0:
        return np.copy(arrays)
    return _block(arrays, depth, max(depth, nd))


# ----- Splitting (the outputs' gradients, zeros filled in, are joined back) -----
def split_vjp(g, ans, ary, indices_or_sections, axis=0):
    return np.concatenate(g, axis=axis)


defvjp(np.split, split_vjp, multi=True)
defvjp(np.array_split, split_vjp, multi=True)
defvjp(np.unstack, lambda g, ans, x, /, *, axis=0: np.stack(g, axis=axis), multi=True)


@composite(np.hsplit)
def hsplit(ary, indices_or_sections):
    if np.ndim(ary) == 0:
        raise ValueError("hsplit only works on arrays of 1 or more dimensions")
    return np.split(ary, indices_or_sections, axis=1 if np.ndim(ary) > 1 else 0)


@composite(np.vsplit)
def vsplit(ary, indices_or_sections):
    if np.ndim(ary) < 2:
        raise ValueError("vsplit only works on arrays of 2 or more dimensions")
    return np.split(ary, indices_or_sections, axis=0)


@composite(np.dsplit)
def dsplit(ary, indices_or_sections):
    if np.ndim(ary) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return np.split(ary, indices_or_sections, axis=2)


# ----- Tiling and repeating -----
def tile_vjp(g, ans, A, reps):
    reps = tuple(int(r) for r in np.ravel(reps))
    n = max(A.ndim, len(reps))
    shape = (1,) * (n - A.ndim) + A.shape
    reps = (1,) * (n - len(reps)) + reps
    # Output axis i is (rep, original) interleaved: sum over the repetitions.
    pairs = tuple(v for r, s in zip(reps, shape, strict=True) for v in (r, s))
    gr = np.reshape(g, pairs)
    return np.reshape(np.sum(gr, axis=tuple(range(0, 2 * n, 2))), A.shape)


def repeat_vjp(g, ans, a, repeats, axis=None):
    shape = (a.size,) if axis is None else a.shape
    ax = 0 if axis is None else axis % a.ndim
    n = shape[ax]
    if np.size(repeats) == 1:
        r = int(np.ravel(repeats)[0])
        gx = np.sum(np.reshape(g, shape[:ax] + (n, r) + shape[ax + 1:]), axis=ax + 1)
    else:  # per-element counts: scatter-add each copy back to its source
        src = np.repeat(np.arange(n, like=like(g)), repeats)
        gx = np.zeros_like(g, shape=shape)
        np.add.at(gx, (slice(None),) * ax + (src,), g)
    return np.reshape(gx, a.shape)


defvjp(np.tile, tile_vjp)
defvjp(np.repeat, repeat_vjp)


def resize_vjp(g, ans, a, new_shape):
    if a.size == 0:
        return None
    return _gather_vjp(g, np.resize(np.arange(a.size, like=like(g)), new_shape), a.shape)


defvjp(np.resize, resize_vjp)


# ----- Adding and removing elements -----
def insert_vjp_arr(g, ans, arr, obj, values, axis=None):
    inserted = np.insert(np.zeros_like(g, shape=arr.shape, dtype=bool), obj,
                         np.ones_like(g, shape=np.shape(values), dtype=bool), axis)
    # The kept elements appear in their original (C) order.
    return np.reshape(g[~inserted], arr.shape)


def insert_vjp_values(g, ans, arr, obj, values, axis=None):
    vshape = np.shape(values)
    src = np.insert(np.full_like(g, -1, shape=arr.shape, dtype=np.intp), obj,
                    _flat_index(vshape, g), axis)
    written = src >= 0
    return _gather_vjp(g[written], src[written], vshape)


defvjp(np.insert, insert_vjp_arr, None, insert_vjp_values)


def delete_vjp(g, ans, arr, obj, axis=None):
    kept = np.delete(_flat_index(arr.shape, g), obj, axis)
    return _gather_vjp(g, kept, arr.shape)


defvjp(np.delete, delete_vjp)


@composite(np.append)
def append(arr, values, axis=None):
    if axis is None:
        if np.ndim(arr) != 1:
            arr = np.ravel(arr)
        values = np.ravel(values)
        axis = 0
    return np.concatenate((arr, values), axis=axis)


@composite(np.trim_zeros)
def trim_zeros(filt, trim="fb", axis=None):
    # NumPy finds the bounds on np.asarray(filt) and then slices filt itself: one
    # recorded getitem.
    return np.trim_zeros._implementation(filt, trim, axis)


# ----- Rearranging -----
defvjp(np.flip, lambda g, ans, m, axis=None: np.flip(g, axis), view=True)
defvjp(np.fliplr, lambda g, ans, m: np.fliplr(g), view=True)
defvjp(np.flipud, lambda g, ans, m: np.flipud(g), view=True)


def roll_vjp(g, ans, a, shift, axis=None):
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return np.roll(g, back, axis)


defvjp(np.roll, roll_vjp)
defvjp(np.rot90, lambda g, ans, m, k=1, axes=(0, 1): np.rot90(g, -k, axes), view=True)

# ----- Triangles and diagonals (as matrices) -----
defvjp(np.triu, lambda g, ans, m, k=0: np.triu(g, k))
defvjp(np.tril, lambda g, ans, m, k=0: np.tril(g, k))
defvjp(np.diagflat, lambda g, ans, v, k=0: np.reshape(np.diagonal(g, k), v.shape))

nondiff(np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.min_scalar_type,
        np.array_equal,
        np.array_equiv, np.allclose, np.isclose, np.iscomplexobj, np.isrealobj,
        np.iscomplex, np.isreal, np.shares_memory, np.may_share_memory, np.count_nonzero,
        np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.argwhere,
        np.searchsorted, np.all, np.any, np.isin, np.digitize,
        np.sign, np.floor, np.ceil, np.trunc, np.fix,
        np.round, np.around, np.rint, np.lexsort, np.argpartition, np.tril_indices_from,
        np.triu_indices_from, np.diag_indices_from, np.nanargmax, np.nanargmin,
        np.array_str, np.array_repr, np.save, np.savetxt, np.ndim, np.isneginf,
        np.isposinf, np.unravel_index, np.ravel_multi_index)


@composite(np.lib.stride_tricks.sliding_window_view)
def sliding_window_view(x, window_shape, axis=None, *, subok=False, writeable=False):
    # The windows gather x's elements at positions NumPy's own function finds on an index
    # array (recorded: each element's gradient sums over the windows that hold it).
    positions = np.lib.stride_tricks.sliding_window_view(
        np.reshape(np.arange(np.size(x)), np.shape(x)), window_shape, axis)
    return np.reshape(x, -1)[positions]
