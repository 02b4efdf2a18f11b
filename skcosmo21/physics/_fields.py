r"""Periodic 3-D fields on a grid: Gaussian initial conditions, filters, displacements, RSDs.

Fourier conventions: ``scipy.fft.rfftn`` of a real field; wavenumbers in comoving
:math:`\mathrm{Mpc}^{-1}`; a field with continuous power spectrum :math:`P(k)` has discrete
modes with :math:`\langle|\delta_\mathbf{k}|^2\rangle = P(k)\,N^3/V_\mathrm{cell}`. Single
precision (complex64) throughout: it halves memory and doubles FFT speed, and float32 carries
7 significant digits, far more than any 21-cm observable needs.
"""

import numpy as np
import scipy.fft

from ._linear_theory import top_hat_window

#: 21cmFAST's sharp-k filter cuts at :math:`kR = 1/0.413566994`, which gives the filter the same
#: integrated volume as a real-space top hat of radius R: :math:`(9\pi/2)^{-1/3}`.
SHARP_K_FACTOR = 0.413566994


def fourier_grid(n_cells, box_size):
    r"""Wavevector components of an ``rfftn`` grid, broadcastable to shape (n, n, n//2+1).

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in comoving Mpc.

    Returns
    -------
    kx, ky, kz : ndarray
        float32 arrays of shapes (n,1,1), (1,n,1), (1,1,n//2+1) in :math:`\\mathrm{Mpc}^{-1}`.

    Examples
    --------
    >>> from skcosmo21.physics import fourier_grid
    >>> kx, ky, kz = fourier_grid(8, 16.0)
    >>> kx.shape, kz.shape
    ((8, 1, 1), (1, 1, 5))
    """
    spacing = box_size / n_cells
    k_full = (2.0 * np.pi * scipy.fft.fftfreq(n_cells, d=spacing)).astype(np.float32)
    k_half = (2.0 * np.pi * scipy.fft.rfftfreq(n_cells, d=spacing)).astype(np.float32)
    return k_full[:, None, None], k_full[None, :, None], k_half[None, None, :]


def wavenumber_magnitude(n_cells, box_size):
    r"""Return :math:`|\\mathbf{k}|` on the ``rfftn`` grid, float32 of shape (n, n, n//2+1).

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in comoving Mpc.

    Returns
    -------
    k : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import wavenumber_magnitude
    >>> float(wavenumber_magnitude(4, 4.0)[0, 0, 0])
    0.0
    """
    kx, ky, kz = fourier_grid(n_cells, box_size)
    return np.sqrt(kx**2 + ky**2 + kz**2)


def gaussian_random_field_k(n_cells, box_size, power_spectrum, rng, workers=None):
    r"""Fourier modes of a Gaussian random field with the given power spectrum.

    White noise drawn in real space (so the field is exactly real and its Hermitian symmetry is
    automatic) is transformed and multiplied by :math:`\sqrt{P(k)/V_\mathrm{cell}}`; the mean
    (k = 0) mode is set to zero.

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length in comoving Mpc.
    power_spectrum : callable
        ``P(k)`` in :math:`\mathrm{Mpc}^3` for ``k`` in :math:`\mathrm{Mpc}^{-1}`.
    rng : numpy.random.Generator
        Source of the white noise.
    workers : int, optional
        Threads for ``scipy.fft``.

    Returns
    -------
    delta_k : ndarray
        complex64 array of shape (n, n, n//2+1).

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import gaussian_random_field_k
    >>> dk = gaussian_random_field_k(8, 8.0, lambda k: np.ones_like(k), np.random.default_rng(0))
    >>> dk.shape, dk.dtype
    ((8, 8, 5), dtype('complex64'))
    """
    noise = rng.standard_normal((n_cells,) * 3, dtype=np.float32)
    delta_k = scipy.fft.rfftn(noise, workers=workers)
    k = wavenumber_magnitude(n_cells, box_size)
    cell_volume = (box_size / n_cells) ** 3
    amplitude = np.zeros_like(k)
    nonzero = k > 0
    amplitude[nonzero] = np.sqrt(power_spectrum(k[nonzero].astype(float)) / cell_volume)
    delta_k *= amplitude
    return delta_k


def filter_window(kind, k, radius):
    r"""Fourier-space smoothing window on scale ``radius``.

    ``"sharp-k"`` (21cmFAST's default ``HII_FILTER=1``) keeps modes with
    :math:`kR \cdot 0.4136 \le 1`; ``"top-hat"`` is the real-space spherical top hat
    :math:`3(\sin x - x\cos x)/x^3`.

    Parameters
    ----------
    kind : {"sharp-k", "top-hat"}
        Filter.
    k : ndarray
        Wavenumber magnitudes.
    radius : float
        Smoothing radius in Mpc.

    Returns
    -------
    window : ndarray
        float32, same shape as ``k``.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import filter_window
    >>> filter_window("sharp-k", np.array([0.1, 10.0]), 1.0).tolist()
    [1.0, 0.0]
    """
    if kind == "sharp-k":
        return (k * radius * SHARP_K_FACTOR <= 1.0).astype(np.float32)
    if kind == "top-hat":
        return top_hat_window(k * radius).astype(np.float32)
    raise ValueError(f"filter must be 'sharp-k' or 'top-hat', got {kind!r}")


def _potential_derivative(delta_k, k_axis, k_squared, workers):
    # F^-1[i k_a delta_k / k^2]: a gradient of the inverse Laplacian, in Mpc for delta in Mpc^0.
    n_cells = delta_k.shape[0]
    return scipy.fft.irfftn((1j * k_axis / k_squared) * delta_k, s=(n_cells,) * 3, workers=workers)


def _wavevector(n_cells, box_size):
    components = fourier_grid(n_cells, box_size)
    k_squared = sum(c**2 for c in components)
    k_squared[0, 0, 0] = 1.0  # the mean mode carries no displacement
    return components, k_squared


def zeldovich_displacement(delta_k, box_size, workers=None):
    r"""Zel'dovich displacement field today, in units of cells.

    :math:`\boldsymbol\psi_\mathbf{k} = i\mathbf{k}\,\delta_\mathbf{k}/k^2`, so that particles
    at Lagrangian positions :math:`\mathbf{q}` move to :math:`\mathbf{q} + D(z)\boldsymbol\psi`
    (Zel'dovich 1970), as in 21cmFAST's ``GenerateICs.c`` (its ``lowres_v{x,y,z}``).

    Parameters
    ----------
    delta_k : ndarray
        Linear density modes today (``rfftn`` layout).
    box_size : float
        Side length in Mpc.
    workers : int, optional
        Threads for ``scipy.fft``.

    Returns
    -------
    psi : ndarray
        float32, shape (3, n, n, n), displacement in cells along each axis.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import gaussian_random_field_k, zeldovich_displacement
    >>> dk = gaussian_random_field_k(8, 8.0, lambda k: np.ones_like(k), np.random.default_rng(0))
    >>> zeldovich_displacement(dk, 8.0).shape
    (3, 8, 8, 8)
    """
    n_cells = delta_k.shape[0]
    components, k_squared = _wavevector(n_cells, box_size)
    cell = box_size / n_cells
    psi = np.empty((3,) + (n_cells,) * 3, dtype=np.float32)
    for axis, k_axis in enumerate(components):
        psi[axis] = _potential_derivative(delta_k, k_axis, k_squared, workers) / cell
    return psi


def second_order_displacement(delta_k, box_size, workers=None):
    r"""Second-order Lagrangian (2LPT) displacement today, in units of cells.

    With :math:`\phi_{ij} = \partial_i\partial_j\nabla^{-2}\delta`, the second-order potential
    obeys :math:`\nabla^2\phi^{(2)} = \sum_{i<j}(\phi_{ii}\phi_{jj} - \phi_{ij}^2)`
    (Scoccimarro 1998, App. D), and particles move by :math:`D\boldsymbol\psi + \tfrac37 D^2
    \boldsymbol\psi^{(2)}` with :math:`\boldsymbol\psi^{(2)}_\mathbf{k} = i\mathbf{k}\,
    \phi^{(2)}_\mathbf{k}`, the sign convention of 21cmFAST's ``GenerateICs.c`` and
    ``PerturbField.c`` (``USE_2LPT``). 21cmFAST forms the source on its 3x finer initial grid;
    here it is formed on the output grid, which gives a 2LPT displacement 95 % correlated with
    21cmFAST's and evolved-density percentiles within 0.2 % of its own (measured on its boxes).

    Parameters
    ----------
    delta_k : ndarray
        Linear density modes today (``rfftn`` layout).
    box_size : float
        Side length in Mpc.
    workers : int, optional
        Threads for ``scipy.fft``.

    Returns
    -------
    psi2 : ndarray
        float32, shape (3, n, n, n), displacement in cells along each axis.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import gaussian_random_field_k, second_order_displacement
    >>> dk = gaussian_random_field_k(8, 8.0, lambda k: np.ones_like(k), np.random.default_rng(0))
    >>> second_order_displacement(dk, 8.0).shape
    (3, 8, 8, 8)
    """
    n_cells = delta_k.shape[0]
    shape = (n_cells,) * 3
    components, k_squared = _wavevector(n_cells, box_size)

    def tidal(i, j):
        return scipy.fft.irfftn(
            -(components[i] * components[j] / k_squared) * delta_k, s=shape, workers=workers
        )

    diagonal = [tidal(i, i) for i in range(3)]
    source = diagonal[0] * diagonal[1] + diagonal[0] * diagonal[2] + diagonal[1] * diagonal[2]
    del diagonal
    for i, j in ((0, 1), (0, 2), (1, 2)):
        source -= tidal(i, j) ** 2
    source_k = scipy.fft.rfftn(source, workers=workers)
    del source
    cell = box_size / n_cells
    psi = np.empty((3,) + shape, dtype=np.float32)
    for axis, k_axis in enumerate(components):
        psi[axis] = _potential_derivative(source_k, k_axis, k_squared, workers) / cell
    return psi


def _deposit_weights(position, sub_particles):
    """Base node and per-axis weights of the three grid nodes sub-particles moving together reach.

    ``position`` is in cells from node 0. The ``s`` sub-particles sit at offsets
    ``(j + 1/2)/s - 1/2`` around it, spanning less than a cell; with ``t`` the lowest one's
    distance past node ``base``, sub-particle j's cloud-in-cell weights go to ``base`` (if
    ``t + j/s < 1``) and ``base + 1``, or to ``base + 1`` and ``base + 2``, so the three node
    weights are sums of ramps.
    """
    lowest = position + np.float32(0.5 / sub_particles - 0.5)
    base = np.floor(lowest)
    below = np.float32(1.0) - (lowest - base)  # the lowest sub-particle's weight on ``base``
    first = below.copy()
    for j in range(1, sub_particles):
        first += np.maximum(below - np.float32(j / sub_particles), np.float32(0.0))
    first /= sub_particles
    # Each sub-particle's weights on base and base + 2 differ by its weight 1 - t - j/s on
    # base (negative once it has moved past base + 1): summing over j gives the third weight.
    third = first - below + np.float32((sub_particles - 1) / (2 * sub_particles))
    np.maximum(third, np.float32(0.0), out=third)  # rounding only
    return base.astype(np.int64), (first, np.float32(1.0) - first - third, third)


#: Particles per slab of the deposit: a slab's weights and indices (about 100 bytes a particle)
#: stay in the core's cache while its 27 nodes are scattered.
_DEPOSIT_SLAB_PARTICLES = 2**15


def cloud_in_cell_density(displacement, sub_particles=1):
    r"""Overdensity of particles moved by ``displacement``, deposited by cloud-in-cell.

    Each cell's mass starts as ``sub_particles**3`` equal sub-particles on a regular lattice
    inside the cell, all moved by the cell's displacement, and is deposited by cloud-in-cell
    (Hockney & Eastwood 1981). ``sub_particles=3`` is what 21cmFAST's ``PerturbField.c`` does
    when it moves the particles of its 3x finer initial grid (``DIM = 3 HII_DIM``) with the
    displacement of their low-resolution cell (``PERTURB_ON_HIGH_RES=False``): the sub-particles
    widen the deposit kernel, which lowers the cell-scale density variance (by 12 % at 4.7 Mpc
    cells). Written with ``numpy.add.at`` because no maintained library offers periodic CIC
    deposition for plain NumPy arrays.

    Parameters
    ----------
    displacement : ndarray
        Shape (3, n, n, n): each cell's displacement, in cells.
    sub_particles : int, default=1
        Sub-particles per cell along each axis.

    Returns
    -------
    delta : ndarray
        float32 overdensity, shape (n, n, n), mean 0 and :math:`\ge -1`.

    Notes
    -----
    The particles are deposited one slab of lattice planes (along axis 0) at a time, straight
    into the mass grid: a slab's weights stay in cache and no grid-sized temporary is made per
    node, which makes the 27-node deposit of ``sub_particles=3`` four times cheaper than one
    pass over all particles per node. Masses are summed in float64, so the slab order changes
    the result by float64 round-off only.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import cloud_in_cell_density
    >>> float(np.abs(cloud_in_cell_density(np.zeros((3, 4, 4, 4)))).max())
    0.0
    >>> round(float(cloud_in_cell_density(np.zeros((3, 4, 4, 4)), sub_particles=3).std()), 6)
    0.0
    """
    n_cells = displacement.shape[1]
    n_nodes = 2 if sub_particles == 1 else 3
    # Every particle's lowest node, periodic; its other nodes are fixed shifts of it, added
    # into a grid padded by n_nodes - 1 cells that is folded back periodically at the end.
    side = n_cells + n_nodes - 1
    padded = np.zeros((side,) * 3)
    mass = padded.reshape(-1)
    node_offsets = [
        (nx * side + ny) * side + nz
        for nx in range(n_nodes)
        for ny in range(n_nodes)
        for nz in range(n_nodes)
    ]
    lattice = np.arange(n_cells, dtype=np.float32)
    planes = max(1, _DEPOSIT_SLAB_PARTICLES // n_cells**2)
    for start in range(0, n_cells, planes):
        slab = slice(start, min(start + planes, n_cells))
        index, weights = _slab_deposit(displacement[:, slab], lattice, slab, sub_particles)
        index = index.ravel()
        # float64 buffers reused for every node: numpy.add.at into the float64 grid would
        # otherwise cast float32 weights node by node.
        plane = np.empty(weights[0][0].shape)
        weight = np.empty(index.shape)
        node = 0
        for wx in weights[0][:n_nodes]:
            for wy in weights[1][:n_nodes]:
                np.multiply(wx, wy, out=plane)
                for wz in weights[2][:n_nodes]:
                    np.multiply(plane, wz, out=weight.reshape(plane.shape))
                    np.add.at(mass[node_offsets[node] :], index, weight)
                    node += 1
    for axis in range(3):
        # Fold the padding back periodically: views, no copies.
        moved = padded.swapaxes(0, axis)
        moved[: n_nodes - 1] += moved[n_cells:]
        padded = moved[:n_cells].swapaxes(0, axis)
    delta = np.empty((n_cells,) * 3, dtype=np.float32)
    return np.subtract(padded, 1.0, out=delta)


def _slab_deposit(displacement, lattice, slab, sub_particles):
    """Lowest-node index (in the padded grid) and per-axis node weights of one slab."""
    n_cells = lattice.size
    side = n_cells + (1 if sub_particles == 1 else 2)
    index = None
    weights = []
    for axis in range(3):
        shape = [1, 1, 1]
        shape[axis] = -1
        positions = lattice[slab] if axis == 0 else lattice
        base, axis_weights = _deposit_weights(
            displacement[axis] + positions.reshape(shape), sub_particles
        )
        base %= n_cells
        index = base if index is None else index * side + base
        weights.append(axis_weights)
    return index, weights


def line_of_sight_velocity_gradient(delta_k, workers=None):
    r"""Line-of-sight velocity gradient of a density field, per unit growth rate.

    In linear theory :math:`\frac{1}{aH}\partial_\parallel v_\parallel = -f\,
    \mathcal{F}^{-1}[\delta_\mathbf{k} k_\parallel^2/k^2]`; this returns
    :math:`-\mathcal{F}^{-1}[\delta_\mathbf{k} k_\parallel^2/k^2]` with the line of sight along
    the last axis, to be multiplied by the growth rate :math:`f(z)`. 21cmFAST
    (``PerturbField.c``, ``BrightnessTemperatureBox.c``) takes :math:`\delta` to be the evolved
    density of the output grid and differentiates the velocity it derives from it, which
    leaves out the Nyquist plane along the line of sight; so does this.

    Parameters
    ----------
    delta_k : ndarray
        Density modes (``rfftn`` layout).
    workers : int, optional
        Threads for ``scipy.fft``.

    Returns
    -------
    gradient : ndarray
        float32, shape (n, n, n).

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import line_of_sight_velocity_gradient
    >>> line_of_sight_velocity_gradient(np.zeros((4, 4, 3), np.complex64)).shape
    (4, 4, 4)
    """
    n_cells = delta_k.shape[0]
    kx, ky, kz = fourier_grid(n_cells, 1.0)
    k_squared = kx**2 + ky**2 + kz**2
    k_squared[0, 0, 0] = 1.0
    multiplier = -(kz**2 / k_squared)
    if n_cells % 2 == 0:
        multiplier[..., -1] = 0.0
    return scipy.fft.irfftn(multiplier * delta_k, s=(n_cells,) * 3, workers=workers)
