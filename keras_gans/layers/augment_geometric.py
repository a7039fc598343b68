"""Geometric part of the differentiable augmentation: per-sample affine matrices and one resampling pass.

All matrices are *inverse* transforms, as in StyleGAN2-ADA (Karras et al. 2020, https://arxiv.org/abs/2006.06676):
they map an output pixel to the input position it is read from, in pixel units with the origin at the image
centre (x to the right, y down). Composing ``G = G @ M_inv`` op after op means the forward transforms are applied
in the order the ops are listed (x-flip first, fractional translation last).

Small 3x3 products and the resampling weights are written as element-wise multiply-adds rather than matmuls, so
that GPUs using TF32 for float32 matmuls (the TensorFlow and JAX defaults on recent NVIDIA cards) do not round them.
"""

from keras import ops


def stack_matrices(rows, like):
    """Builds ``(batch, n, n)`` matrices from nested rows of per-sample tensors ``(batch,)`` or Python numbers."""
    constants = {}

    def as_tensor(entry):
        if not isinstance(entry, (int, float)):
            return entry
        if entry not in constants:  # one broadcast tensor per distinct constant
            constants[entry] = ops.zeros_like(like) + entry
        return constants[entry]

    return ops.stack([ops.stack([as_tensor(entry) for entry in row], axis=-1) for row in rows], axis=-2)


def batched_small_matmul(a, b):
    """``a @ b`` for stacks of small matrices ``(batch, n, n)``, as an exact float32 multiply-add (no TF32)."""
    return ops.sum(ops.expand_dims(a, 3) * ops.expand_dims(b, 1), axis=2)


def translate_inverse(tx, ty):
    """Inverse of a translation by ``(tx, ty)`` pixels (per-sample tensors of shape ``(batch,)``)."""
    return stack_matrices([[1.0, 0.0, -tx], [0.0, 1.0, -ty], [0.0, 0.0, 1.0]], tx)


def scale_inverse(sx, sy):
    """Inverse of a scaling by ``(sx, sy)`` about the image centre."""
    return stack_matrices([[1.0 / sx, 0.0, 0.0], [0.0, 1.0 / sy, 0.0], [0.0, 0.0, 1.0]], sx)


def rotate_inverse(cos, sin):
    """Inverse of a rotation given by its cosine and sine (passed separately so quarter turns stay exact)."""
    return stack_matrices([[cos, sin, 0.0], [-sin, cos, 0.0], [0.0, 0.0, 1.0]], cos)


def geometric_inverse_matrices(xflip, rotate90, translate_int, scale, rotate_pre, aniso, rotate_post, translate_frac):
    """Composes the per-sample inverse matrices of the geometric ops, in StyleGAN2-ADA's order.

    Every argument is per sample; the value in brackets is the "op not applied" value, which gives an exact
    identity factor.

    Args:
        xflip: `(batch,)`, 1 to mirror horizontally about the centre (0).
        rotate90: `(batch,)`, number of quarter turns, an integer in 0..3 stored as float (0). Built from exact
            0/1/-1 cosines and sines, so quarter turns are exact permutations.
        translate_int: `(batch, 2)`, integer translation `(tx, ty)` in pixels (0, 0).
        scale: `(batch,)`, isotropic scale factor (1).
        rotate_pre: `(batch,)`, rotation angle in radians applied before the anisotropic scaling (0).
        aniso: `(batch,)`, anisotropic scale: x by `aniso`, y by `1 / aniso` (1).
        rotate_post: `(batch,)`, rotation angle in radians applied after the anisotropic scaling (0).
        translate_frac: `(batch, 2)`, fractional translation `(tx, ty)` in pixels (0, 0).

    Returns:
        `(batch, 3, 3)` float32 inverse matrices (output pixel -> input position, centred pixel coordinates).
    """
    xflip = ops.cast(xflip, "float32")
    quarter = ops.cast(rotate90, "int32")
    # ADA multiplies by rotate2d_inv(-pi/2 * i); cos/sin of multiples of pi/2 are looked up to stay exact.
    quarter_cos = ops.take(ops.convert_to_tensor([1.0, 0.0, -1.0, 0.0]), quarter)
    quarter_sin = ops.take(ops.convert_to_tensor([0.0, -1.0, 0.0, 1.0]), quarter)
    translate_int = ops.cast(translate_int, "float32")
    translate_frac = ops.cast(translate_frac, "float32")
    scale = ops.cast(scale, "float32")
    aniso = ops.cast(aniso, "float32")
    rotate_pre = ops.cast(rotate_pre, "float32")
    rotate_post = ops.cast(rotate_post, "float32")
    factors = [
        scale_inverse(1.0 - 2.0 * xflip, ops.ones_like(xflip)),
        rotate_inverse(quarter_cos, quarter_sin),
        translate_inverse(translate_int[:, 0], translate_int[:, 1]),
        scale_inverse(scale, scale),
        rotate_inverse(ops.cos(rotate_pre), ops.sin(rotate_pre)),
        scale_inverse(aniso, 1.0 / aniso),
        rotate_inverse(ops.cos(rotate_post), ops.sin(rotate_post)),
        translate_inverse(translate_frac[:, 0], translate_frac[:, 1]),
    ]
    matrix = factors[0]
    for factor in factors[1:]:
        matrix = batched_small_matmul(matrix, factor)
    return matrix


def reflect_indices(indices, size):
    """Maps integer indices onto ``0..size-1`` by mirror reflection without repeating the edge pixel.

    This is NumPy's ``mode="reflect"`` (``... 2 1 | 0 1 2 3 | 2 1 0 ...``), extended periodically to any distance.
    """
    if size == 1:
        return ops.zeros_like(indices)
    period = 2 * (size - 1)
    indices = ops.mod(indices, period)
    return ops.where(indices >= size, period - indices, indices)


def resample_images(images, inverse_matrices):
    """Resamples each image through its inverse affine matrix, bilinearly, with mirror-reflected borders.

    Output pixel ``(i, j)`` reads the input at ``G @ (j - (W-1)/2, i - (H-1)/2, 1)`` (plus the centre offset).
    Integer-valued positions are read exactly (the neighbour weight is exactly 0), so identity, flips, quarter
    turns and integer translations are exact permutations of the input pixels. The op is linear in ``images``
    (gathers and multiply-adds), so first and second derivatives flow on every backend.

    Args:
        images: `(batch, height, width, channels)` float32 tensor; height and width must be static.
        inverse_matrices: `(batch, 3, 3)` float32, e.g. from `geometric_inverse_matrices`.

    Returns:
        A tensor shaped like `images`.
    """
    images = ops.convert_to_tensor(images)
    inverse_matrices = ops.cast(inverse_matrices, "float32")
    height, width, channels = images.shape[1], images.shape[2], images.shape[3]
    batch = ops.shape(images)[0]
    centre_x, centre_y = (width - 1) / 2.0, (height - 1) / 2.0
    grid_x = ops.reshape(ops.arange(width, dtype="float32") - centre_x, (1, 1, width))
    grid_y = ops.reshape(ops.arange(height, dtype="float32") - centre_y, (1, height, 1))

    def entry(row, col):
        return ops.reshape(inverse_matrices[:, row, col], (-1, 1, 1))

    source_x = entry(0, 0) * grid_x + entry(0, 1) * grid_y + entry(0, 2) + centre_x
    source_y = entry(1, 0) * grid_x + entry(1, 1) * grid_y + entry(1, 2) + centre_y
    floor_x, floor_y = ops.floor(source_x), ops.floor(source_y)
    frac_x = ops.expand_dims(source_x - floor_x, -1)
    frac_y = ops.expand_dims(source_y - floor_y, -1)
    x0 = ops.cast(floor_x, "int32")
    y0 = ops.cast(floor_y, "int32")
    cols = (reflect_indices(x0, width), reflect_indices(x0 + 1, width))
    rows = (reflect_indices(y0, height), reflect_indices(y0 + 1, height))

    flat = ops.reshape(images, (-1, channels))
    base = ops.reshape(ops.arange(batch, dtype="int32") * (height * width), (-1, 1, 1))

    def read(row, col):
        return ops.take(flat, base + row * width + col, axis=0)

    top = read(rows[0], cols[0]) * (1.0 - frac_x) + read(rows[0], cols[1]) * frac_x
    bottom = read(rows[1], cols[0]) * (1.0 - frac_x) + read(rows[1], cols[1]) * frac_x
    return top * (1.0 - frac_y) + bottom * frac_y
