"""NumPy functions whose results carry no gradient: type and dtype utilities, predicates,
index generators, bit packing, window functions and einsum's contraction planner."""

from __future__ import annotations

import numpy as np

from ..registry import nondiff

nondiff(
    # types, dtypes and shapes
    np.isscalar, np.iterable, np.isdtype, np.issubdtype, np.promote_types, np.common_type,
    np.mintypecode, np.typename, np.broadcast_shapes, np.isfortran,
    # index generators (integer outputs)
    np.indices, np.diag_indices, np.tril_indices, np.triu_indices, np.mask_indices,
    # bits
    np.packbits, np.unpackbits,
    # windows of a given length.  kaiser's beta is not differentiated: NumPy does not
    # dispatch kaiser and converts beta with np.array, so a Tensor beta loses its gradient.
    np.bartlett, np.blackman, np.hamming, np.hanning, np.kaiser,
    np.einsum_path,
)
