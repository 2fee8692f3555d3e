"""Cases for rules/shape.py and rules/padding.py."""

import numpy as np

from .cases_elementwise import distinct
from .harness import Case, arrays

_a = arrays()
_m = arrays((3, 4))
_c = arrays((2, 3, 4))


def _pad(mode, width, **kw):
    tag = "-".join(str(v) if isinstance(v, (str, int, float)) else "pairs" for v in kw.values())
    picks = mode in ("maximum", "minimum", "median")
    return Case(np.pad, lambda x: np.pad(x, width, mode, **kw),
                (distinct((3, 4)) if picks else _m,),
                name=f"pad-{mode}-{np.max(width)}{'-' + tag if tag else ''}", complex=not picks)


CASES = [
    # ----- Reshaping and transposing -----
    Case(np.reshape, lambda x: np.reshape(x, (4, 3)), (_m,), complex=True),
    Case(np.reshape, lambda x: np.reshape(x, (2, -1), order="F"), (_m,), name="reshape-F"),
    Case(np.reshape, lambda x: x.reshape(-1), (_c,), name="reshape-method"),
    Case(np.ravel, np.ravel, (_a,), complex=True),
    Case(np.ravel, lambda x: np.ravel(x, order="F"), (_c,), name="ravel-F"),
    Case(np.squeeze, lambda x: np.squeeze(x, 1), (arrays((3, 1, 2)),)),
    Case(np.squeeze, np.squeeze, (arrays((1, 3, 1)),), name="squeeze-all"),
    Case(np.expand_dims, lambda x: np.expand_dims(x, (0, 2)), (_m,)),
    Case(np.transpose, np.transpose, (_c,), complex=True),
    Case(np.transpose, lambda x: np.transpose(x, (1, -1, 0)), (_c,), name="transpose-axes"),
    Case(np.transpose, lambda x: x.T, (_m,), name="transpose-T"),
    Case(np.permute_dims, lambda x: np.permute_dims(x, (2, 0, 1)), (_c,)),
    Case(np.swapaxes, lambda x: np.swapaxes(x, 0, -1), (_c,)),
    Case(np.swapaxes, lambda x: x.mT, (_c,), name="swapaxes-mT"),
    Case(np.moveaxis, lambda x: np.moveaxis(x, [0, 1], [2, 0]), (_c,)),
    Case(np.matrix_transpose, np.matrix_transpose, (_c,), complex=True),
    Case(np.broadcast_to, lambda x: np.broadcast_to(x, (2, 3, 4)), (arrays((3, 1)),)),
    Case(np.atleast_1d, lambda x: np.atleast_1d(x) * 2, (arrays(()),)),
    Case(np.atleast_1d, lambda x, y: np.atleast_1d(x, y)[1], (arrays(()), _m),
         name="atleast_1d-many"),
    Case(np.atleast_2d, np.atleast_2d, (arrays((3,)),)),
    Case(np.atleast_3d, np.atleast_3d, (arrays((3,)),)),
    Case(np.atleast_3d, lambda x, y: np.atleast_3d(x, y)[0] + np.atleast_3d(y), (_m, _m),
         name="atleast_3d-2d"),
    Case(np.broadcast_arrays, lambda x, y: np.multiply(*np.broadcast_arrays(x, y)),
         (arrays((3, 1)), arrays((4,)))),
    Case(np.meshgrid, lambda x, y: np.meshgrid(x, y)[0] * np.meshgrid(x, y)[1] ** 2,
         (arrays((3,)), arrays((2,)))),
    Case(np.meshgrid, lambda x, y, z: sum(m * (i + 1) for i, m in enumerate(
         np.meshgrid(x, y, z, indexing="ij", sparse=True))), (arrays((3,)), arrays((2,)),
                                                               arrays((2,))),
         name="meshgrid-ij-sparse"),
    # ----- Copies and casts -----
    Case(np.copy, np.copy, (_a,), complex=True),
    Case(np.copy, lambda x: x.copy(), (_a,), name="copy-method"),
    Case(np.astype, lambda x: np.astype(x, np.complex128), (_a,)),
    Case(np.astype, lambda x: x.astype(np.float64) * x, (_a,), name="astype-method"),
    Case(np.copyto, lambda x, y: _copyto(x, y), (_m, arrays((4,)))),
    Case(np.copyto, lambda x, y: _copyto(x, y, where=np.arange(12).reshape(3, 4) % 3 == 0),
         (_m, arrays((4,))), name="copyto-where"),
    Case(np.real, np.real, (_a,), complex=True),
    Case(np.imag, lambda x: np.imag(x) + np.real(x), (_a,), complex=True),
    Case(np.where, lambda x, y: np.where(np.arange(4) % 2 == 0, x, y), (_m, arrays((4,))),
         complex=True),
    # ----- Joining -----
    Case(np.concatenate, lambda x, y: np.concatenate([x, y], axis=1), (_m, arrays((3, 2))),
         complex=True),
    Case(np.concatenate, lambda x, y: np.concatenate([x, y], axis=None), (_m, arrays((2,))),
         name="concatenate-None"),
    Case(np.concat, lambda x, y: np.concat((x, y)), (_m, arrays((1, 4)))),
    Case(np.stack, lambda x, y: np.stack([x, y], axis=-1), (_m, _m), complex=True),
    Case(np.hstack, lambda x, y: np.hstack([x, y]), (_m, arrays((3, 1)))),
    Case(np.hstack, lambda x, y: np.hstack((x, y)), (arrays((3,)), arrays(())),
         name="hstack-1d"),
    Case(np.vstack, lambda x, y: np.vstack([x, y]), (_m, arrays((4,)))),
    Case(np.dstack, lambda x, y: np.dstack([x, y]), (_m, _m)),
    Case(np.column_stack, lambda x, y: np.column_stack([x, y]), (arrays((3,)), arrays((3, 2)))),
    Case(np.block, lambda x, y, z: np.block([[x, y], [z]]),
         (arrays((2, 2)), arrays((2, 1)), arrays((3,)))),
    Case(np.block, lambda x, y: np.block([[[x, y]], [[y, x]]]), (arrays((2, 2)), arrays((2, 2))),
         name="block-3deep"),
    Case(np.append, lambda x, y: np.append(x, y), (_m, arrays((2,)))),
    Case(np.append, lambda x, y: np.append(x, y, axis=0), (_m, arrays((2, 4))),
         name="append-axis"),
    # ----- Splitting -----
    Case(np.split, lambda x: np.split(x, 2, axis=1)[1] * np.split(x, 2, axis=1)[0], (_m,)),
    Case(np.split, lambda x: np.split(x, [1, 5])[1], (arrays((6,)),), name="split-indices"),
    Case(np.array_split, lambda x: np.array_split(x, 3, axis=1)[0] * 2, (arrays((2, 5)),),
         complex=True),
    Case(np.hsplit, lambda x: np.hsplit(x, 2)[1], (_m,)),
    Case(np.vsplit, lambda x: np.vsplit(x, [1])[1], (_m,)),
    Case(np.dsplit, lambda x: np.dsplit(x, 2)[0], (_c,)),
    Case(np.unstack, lambda x: np.unstack(x, axis=1)[2] * np.unstack(x, axis=1)[0], (_m,)),
    # ----- Tiling, repeating, resizing -----
    Case(np.tile, lambda x: np.tile(x, (2, 1, 3)), (_m,), complex=True),
    Case(np.tile, lambda x: np.tile(x, 2), (_c,), name="tile-int"),
    Case(np.repeat, lambda x: np.repeat(x, 3), (_m,)),
    Case(np.repeat, lambda x: np.repeat(x, 2, axis=1), (_m,), name="repeat-axis"),
    Case(np.repeat, lambda x: np.repeat(x, [1, 0, 3], axis=0), (_m,), name="repeat-per-element"),
    Case(np.repeat, lambda x: x.repeat([2, 1, 0, 1], axis=-1), (_m,), name="repeat-method"),
    Case(np.resize, lambda x: np.resize(x, (5, 4)), (_m,)),
    Case(np.insert, lambda x, v: np.insert(x, 2, v), (_m, arrays(()))),
    Case(np.insert, lambda x, v: np.insert(x, [1, 1, 3], v, axis=1), (_m, arrays((3,))),
         name="insert-axis"),
    Case(np.insert, lambda x, v: np.insert(x, 1, v, axis=0), (_m, arrays((4,))),
         name="insert-row"),
    Case(np.delete, lambda x: np.delete(x, [0, 2], axis=1), (_m,)),
    Case(np.delete, lambda x: np.delete(x, slice(1, None, 3)), (_m,), name="delete-flat"),
    Case(np.trim_zeros, lambda x: np.trim_zeros(np.concatenate([x[:1] * 0, x, x[:2] * 0])),
         (arrays((4,), low=0.5),)),
    # ----- Rearranging -----
    Case(np.flip, np.flip, (_c,), complex=True),
    Case(np.flip, lambda x: np.flip(x, (0, 2)), (_c,), name="flip-axes"),
    Case(np.fliplr, np.fliplr, (_m,)),
    Case(np.flipud, np.flipud, (_m,)),
    Case(np.roll, lambda x: np.roll(x, 5), (_m,)),
    Case(np.roll, lambda x: np.roll(x, (1, -2), axis=(0, 1)), (_m,), name="roll-axes"),
    Case(np.rot90, np.rot90, (_m,)),
    Case(np.rot90, lambda x: np.rot90(x, 3, axes=(2, 0)), (_c,), name="rot90-k3"),
    Case(np.triu, np.triu, (_m,), complex=True),
    Case(np.triu, lambda x: np.triu(x, -1), (_c,), name="triu-batched"),
    Case(np.tril, lambda x: np.tril(x, 1), (_m,)),
    Case(np.tril, np.tril, (arrays((3,)),), name="tril-1d"),
    Case(np.diagflat, np.diagflat, (arrays((2, 2)),)),
    Case(np.diagflat, lambda x: np.diagflat(x, -2), (arrays((3,)),), name="diagflat-k"),
    # ----- pad, every mode -----
    _pad("constant", ((1, 2), (0, 3)), constant_values=1.5),
    _pad("constant", 2),
    Case(np.pad, lambda x: np.pad(x, ((1, 2), (0, 1)), "empty")[1:-2, :-1], (_m,),
         name="pad-empty"),
    _pad("edge", ((2, 1), (3, 0))),
    _pad("reflect", ((2, 1), (3, 4))),
    _pad("reflect", ((7, 5), (9, 1))),
    _pad("reflect", ((7, 5), (9, 1)), reflect_type="odd"),
    _pad("symmetric", ((2, 3), (1, 4))),
    _pad("symmetric", ((7, 8), (9, 2)), reflect_type="odd"),
    _pad("wrap", ((2, 3), (1, 4))),
    _pad("wrap", ((7, 8), (9, 2))),
    _pad("linear_ramp", ((2, 3), (1, 4)), end_values=((1.0, -1.0), (0.5, 2.0))),
    _pad("maximum", ((2, 1), (1, 2))),
    _pad("minimum", ((2, 1), (1, 2)), stat_length=2),
    _pad("mean", ((2, 1), (1, 2)), stat_length=((1, 2), (3, 2))),
    _pad("mean", 2),
    _pad("median", ((2, 1), (1, 2))),
]


def _copyto(x, y, where=True):
    z = x * 1.0
    np.copyto(z, y, where=where)
    return z


CASES += [
    Case(np.full_like, lambda a, v: np.full_like(a, v) * a, (arrays((2, 3)), arrays(()))),
    Case(np.linspace, lambda a, b: np.linspace(a, b, 5), (arrays(()), arrays(()))),
    Case(np.linspace, lambda a, b: np.linspace(a, b, 4, endpoint=False, axis=-1),
         (arrays((2,)), arrays((2,))), name="linspace-array-endpoints"),
]
