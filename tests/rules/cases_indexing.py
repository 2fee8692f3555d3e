"""Cases for rules/indexing.py: reading, writing (setitem, in-place operators, ufunc.at),
take/put, choose/select, diagonals and sorting."""

import operator

import numpy as np

from .cases_elementwise import distinct
from .harness import Case, arrays

_m = arrays((3, 4))
_c = arrays((2, 3, 4))
_IDX = np.array([0, 2, 2, 1, 0])


def _get(name, index, inputs=(_m,)):
    return Case(operator.getitem, lambda x: x[index], inputs, name=f"getitem-{name}",
                complex=True)


# ----- setitem, written as a copy and an assignment -----
def _set_slice(x, v):
    y = x * 1.0
    y[1:3] = v
    return y


def _set_neg_step(x, v):
    y = x * 1.0
    y[::-2, 1] = v
    return y


def _set_repeated(x, v):
    y = x * 1.0
    y[[0, 2, 0]] = v  # row 0 written twice: the last write survives
    return y


def _set_mask(x):
    y = x * 1.0
    y[y > 0] = 0.5 * x[x > 0] ** 2
    return y * x


def _set_scalar(x):
    y = x * 2.0
    y[1, 2] = 3.0
    return y


def _set_mixed(x, v):
    y = x * 1.0
    y[..., [3, 0], None] = v[..., None]
    return y


def _iadd_repeated(x, v):
    y = x * 1.0
    y[[0, 0, 2]] += v  # y[idx] = y[idx] + v: also last write wins
    return y


def _iadd_slice(x, v):
    y = x * 1.0
    y[:, 1:] += v
    return y


def _view_imul(x):
    y = x * 1.0
    v = y[0]
    v *= 3
    return y * x


def _view_chain(x, w):
    y = x * 2.0
    v = y[1:, ::-1]
    v[0] -= w
    return y + v.sum()


def _add_at(x, v):
    y = x * 1.0
    np.add.at(y, ([0, 0, 2], [1, 1, 3]), v)
    return y


def _subtract_at(x, v):
    y = x * 1.0
    np.subtract.at(y, [1, 1], v)
    return y


def _put_along(x, v):
    y = x * 1.0
    np.put_along_axis(y, np.array([[0], [2], [1]]), v, axis=1)
    return y


def _put(x, v):
    y = x * 1.0
    np.put(y, [0, 5, -1, 13], v, mode="wrap")
    return y


def _place(x, v):
    y = x * 1.0
    np.place(y, np.arange(12).reshape(3, 4) % 5 == 0, v)
    return y


CASES = [
    _get("int", 1),
    _get("slices", (slice(1, None), slice(None, None, 2))),
    _get("negative-step", (slice(None, None, -1), slice(3, 0, -2))),
    _get("ellipsis-newaxis", (Ellipsis, None, 2), (_c,)),
    _get("int-array-repeated", (_IDX,)),
    _get("int-arrays-2d", (np.array([[0, 2], [2, 2]]), np.array([1, 1]))),
    _get("bool-mask", np.arange(12).reshape(3, 4) % 3 == 0),
    _get("bool-row", (np.array([True, False, True]),)),
    _get("mixed", (slice(None), [2, 2, 0], None), (_c,)),
    _get("mixed-separated", ([1, 0, 1], slice(None), [2, 2, 0]), (_c,)),
    _get("negative-ints", (-1, [-1, -4])),
    Case(operator.getitem, lambda x: sum(r * (i + 1) for i, r in enumerate(x)), (_m,),
         name="getitem-iteration"),
    Case(operator.setitem, _set_slice, (_m, arrays((4,))), complex=True),
    Case(operator.setitem, _set_neg_step, (_m, arrays((2,))), name="setitem-negative-step"),
    Case(operator.setitem, _set_repeated, (_m, arrays((3, 4))), name="setitem-repeated"),
    Case(operator.setitem, _set_mask, (arrays((3, 4), away_from=[0.0]),), name="setitem-mask"),
    Case(operator.setitem, _set_scalar, (_m,), name="setitem-scalar"),
    Case(operator.setitem, _set_mixed, (_c, arrays((2, 3, 2))), name="setitem-mixed"),
    Case(operator.setitem, _iadd_repeated, (_m, arrays((3, 4))), name="setitem-iadd-repeated",
         complex=True),
    Case(operator.setitem, _iadd_slice, (_m, arrays((3, 3))),
         name="setitem-iadd-slice"),
    Case(operator.setitem, _view_imul, (_m,), name="setitem-view-imul"),
    Case(operator.setitem, _view_chain, (_m, arrays((4,))), name="setitem-view-chain"),
    Case((np.add, "at"), _add_at, (_m, arrays((3,))), complex=True),
    Case((np.subtract, "at"), _subtract_at, (_m, arrays((4,)))),
    # ----- take / put -----
    Case(np.take, lambda x: np.take(x, _IDX), (_m,), complex=True),
    Case(np.take, lambda x: np.take(x, [[3, -1], [0, 3]], axis=1), (_m,), name="take-axis"),
    Case(np.take, lambda x: np.take(x, [4, -5, 7], axis=0, mode="wrap"), (_m,),
         name="take-wrap"),
    Case(np.take, lambda x: x.take([9, -2, 1], axis=-1, mode="clip"), (_m,), name="take-clip"),
    Case(np.take_along_axis, lambda x: np.take_along_axis(x, np.array([[0, 0], [3, 1], [2, 2]]),
                                                         axis=1), (_m,)),
    Case(np.take_along_axis, lambda x: np.take_along_axis(x, np.array([[2, 0, 0, 1]]), axis=0),
         (_m,), name="take_along_axis-broadcast"),
    Case(np.take_along_axis, lambda x: np.take_along_axis(x, np.array([5, 5, 0]), axis=None),
         (_m,), name="take_along_axis-None"),
    Case(np.put_along_axis, _put_along, (_m, arrays((3, 1)))),
    Case(np.put, _put, (_m, arrays((3,)))),
    Case(np.place, _place, (_m, arrays((2,)))),
    Case(np.compress, lambda x: np.compress([True, False, True], x, axis=0), (_m,)),
    Case(np.compress, lambda x: np.compress([0, 1, 1], x), (_m,), name="compress-flat"),
    Case(np.compress, lambda x: x.compress([False, True], axis=1), (_m,),
         name="compress-method"),
    Case(np.extract, lambda x: np.extract(np.arange(12).reshape(3, 4) % 4 != 1, x), (_m,)),
    # ----- choose / select -----
    Case(np.choose, lambda x, y, z: np.choose(np.array([[0, 2, 1, 1], [2, 0, 0, 1]]), [x, y, z]),
         (arrays((2, 4)), arrays((4,)), arrays((2, 1)))),
    Case(np.choose, lambda c: np.choose(np.array([0, 4, 2, -1]), c, mode="wrap"),
         (arrays((3, 4)),), name="choose-array-wrap"),
    Case(np.select, lambda x, y, d: np.select([_ROWS % 2 == 0, _ROWS < 2], [x, y], d),
         (_m, arrays((4,)), arrays((3, 1)))),
    # ----- Diagonals -----
    Case(np.diagonal, np.diagonal, (_m,), complex=True),
    Case(np.diagonal, lambda x: np.diagonal(x, -1, 2, 0), (_c,), name="diagonal-axes"),
    Case(np.diagonal, lambda x: x.diagonal(1), (_m,), name="diagonal-method"),
    Case(np.diag, np.diag, (arrays((3,)),), complex=True),
    Case(np.diag, lambda x: np.diag(x, 2), (_m,), name="diag-2d-k"),
    Case(np.diag, lambda x: np.diag(x, -1), (arrays((2,)),), name="diag-1d-k"),
    # ----- Sorting -----
    Case(np.sort, np.sort, (distinct((3, 4)),)),
    Case(np.sort, lambda x: np.sort(x, axis=0), (distinct((3, 4)),), name="sort-axis0"),
    Case(np.sort, lambda x: np.sort(x, axis=None), (distinct((3, 4)),), name="sort-None"),
    Case(np.sort, lambda x: _sort_method(x), (distinct((2, 3)),), name="sort-method"),
    Case(np.sort_complex, lambda x: np.real(np.sort_complex(x)), (distinct((5,)),)),
]

_ROWS = np.arange(3).reshape(3, 1) + np.zeros((3, 4))


def _sort_method(x):
    y = x * 1.0
    y.sort(axis=0)
    return y
