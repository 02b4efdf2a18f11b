r"""Binned (spherically or azimuthally averaged) power spectra of batches of fields.

One implementation serves 2-D images and 3-D cubes: the last ``ndim`` axes are spatial and any
leading axes are a batch. The estimator is

.. math:: \hat P(k_i) = \frac{V}{N_\mathrm{tot}^2}\,\big\langle |\tilde f_\mathbf{k}|^2
   \big\rangle_{|\mathbf{k}| \in \text{bin } i},

with :math:`\tilde f` the discrete Fourier transform, :math:`V` the box volume (area in 2-D)
and :math:`N_\mathrm{tot}` the number of cells. Modes of the half-spectrum from ``rfftn`` are
weighted by their multiplicity (2, except the zero and Nyquist planes), so the average equals
the one over the full grid.
"""

import numpy as np
import scipy.fft
import scipy.sparse

from ..utils._validation import check_scalar_in_range


def _rfft_wavenumbers(shape, box_size):
    spacing = box_size / shape[-1]
    axes = [2 * np.pi * scipy.fft.fftfreq(n, d=spacing) for n in shape[:-1]]
    axes.append(2 * np.pi * scipy.fft.rfftfreq(shape[-1], d=spacing))
    mesh = np.meshgrid(*axes, indexing="ij")
    k = np.sqrt(sum(m**2 for m in mesh))
    multiplicity = np.full(k.shape, 2.0)
    multiplicity[..., 0] = 1.0
    if shape[-1] % 2 == 0:
        multiplicity[..., -1] = 1.0
    return k, multiplicity


def default_k_edges(n_cells, box_size, n_bins, log=True):
    r"""Bin edges from the fundamental mode :math:`2\\pi/L` to the Nyquist :math:`\\pi N/L`.

    Parameters
    ----------
    n_cells : int
        Cells per side.
    box_size : float
        Side length (Mpc, or pixels for unit-less images).
    n_bins : int
        Number of bins.
    log : bool, default=True
        Logarithmic rather than linear spacing.

    Returns
    -------
    edges : ndarray of shape (n_bins + 1,)

    Examples
    --------
    >>> from skcosmo21.physics import default_k_edges
    >>> import numpy as np
    >>> e = default_k_edges(64, 2 * np.pi, 4)
    >>> float(e[0]), float(e[-1])
    (1.0, 32.0)
    """
    check_scalar_in_range(n_cells, "n_cells", low=1, integer=True)
    check_scalar_in_range(box_size, "box_size", low=0, low_inclusive=False)
    check_scalar_in_range(n_bins, "n_bins", low=1, integer=True)
    if not isinstance(log, bool | np.bool_):
        raise ValueError(f"log must be True or False, got {log!r}")
    k_min = 2 * np.pi / box_size
    k_max = np.pi * n_cells / box_size
    return np.geomspace(k_min, k_max, n_bins + 1) if log else np.linspace(k_min, k_max, n_bins + 1)


def _bin_matrix(k, multiplicity, edges):
    flat_k = k.ravel()
    # A mode's |k| (from 2π·fftfreq) and an edge (e.g. the fundamental 2π/L) that are equal
    # on paper differ by rounding: a mode within 1e-12 of an edge belongs to the bin above it
    # (else the fundamental modes fell out of the first bin for some box sizes), and the last
    # edge is inclusive so the Nyquist mode lands in the last bin.
    index = np.searchsorted(edges, flat_k * (1 + 1e-12), side="right") - 1
    index[np.abs(flat_k - edges[-1]) <= 1e-12 * edges[-1]] = len(edges) - 2
    inside = (index >= 0) & (index < len(edges) - 1)
    rows = np.flatnonzero(inside)
    weights = multiplicity.ravel()[rows]
    matrix = scipy.sparse.csr_matrix(
        (weights, (rows, index[inside])), shape=(flat_k.size, len(edges) - 1)
    )
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    k_sum = np.asarray(matrix.T @ flat_k).ravel()
    return matrix, counts, k_sum


def merge_empty_bins(edges, n_cells, box_size, ndim):
    """Drop edges so that every bin holds at least one Fourier mode of the grid.

    An empty bin is merged into its upper neighbour (the last one into its lower neighbour),
    so a request for many log bins on a small grid yields fewer, all populated, bins.

    Parameters
    ----------
    edges : array-like
        Proposed bin edges.
    n_cells : int
        Cells per side.
    box_size : float
        Side length.
    ndim : int
        2 for images, 3 for cubes.

    Returns
    -------
    edges : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import default_k_edges, merge_empty_bins
    >>> import numpy as np
    >>> e = default_k_edges(8, 8.0, 16)
    >>> len(merge_empty_bins(e, 8, 8.0, 2)) < len(e)
    True
    """
    edges = np.asarray(edges, dtype=float)
    k, multiplicity = _rfft_wavenumbers((n_cells,) * ndim, box_size)
    _, counts, _ = _bin_matrix(k, multiplicity, edges)
    keep = [edges[0]]
    for i, count in enumerate(counts):
        if count > 0:
            keep.append(edges[i + 1])
    if len(keep) == 1:
        raise ValueError("no Fourier mode falls inside the requested k range")
    keep[-1] = edges[-1]
    return np.asarray(keep)


def binned_power_spectrum(fields, box_size, edges, ndim, subtract_mean=True, workers=None):
    r"""Power spectra of a batch of periodic fields, averaged in bins of :math:`|\\mathbf{k}|`.

    Parameters
    ----------
    fields : ndarray
        Shape (..., N, N) for ``ndim=2`` or (..., N, N, N) for ``ndim=3``.
    box_size : float
        Side length in Mpc (use the number of pixels for k in cycles per pixel times 2π).
    edges : array-like
        Bin edges in :math:`\\mathrm{Mpc}^{-1}`, e.g. from :func:`default_k_edges`.
    ndim : {2, 3}
        Number of trailing spatial axes.
    subtract_mean : bool, default=True
        Remove each field's mean first (its k = 0 mode then carries no power either way).
    workers : int, optional
        Threads for ``scipy.fft``.

    Returns
    -------
    k_mean : ndarray of shape (n_bins,)
        Mode-weighted mean wavenumber per bin (NaN for empty bins).
    power : ndarray of shape (..., n_bins)
        :math:`P(k)` in :math:`\\mathrm{Mpc}^{ndim}` times the field's units squared.
    counts : ndarray of shape (n_bins,)
        Number of Fourier modes per bin.

    Examples
    --------
    >>> import numpy as np
    >>> from skcosmo21.physics import binned_power_spectrum, default_k_edges
    >>> images = np.random.default_rng(0).standard_normal((3, 32, 32))
    >>> k, p, n = binned_power_spectrum(images, 32.0, default_k_edges(32, 32.0, 4), ndim=2)
    >>> p.shape
    (3, 4)
    """
    if ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 (images) or 3 (cubes), got {ndim!r}")
    fields = np.asarray(fields)
    if fields.ndim < ndim:
        raise ValueError(f"fields must have at least ndim={ndim} axes, got shape {fields.shape}")
    check_scalar_in_range(box_size, "box_size", low=0, low_inclusive=False)
    shape = fields.shape[-ndim:]
    batch = fields.shape[:-ndim]
    axes = tuple(range(-ndim, 0))
    if subtract_mean:
        fields = fields - fields.mean(axis=axes, keepdims=True)
    modes = scipy.fft.rfftn(fields, axes=axes, workers=workers)
    squared = (modes.real**2 + modes.imag**2).reshape(-1, int(np.prod(modes.shape[-ndim:])))
    k, multiplicity = _rfft_wavenumbers(shape, box_size)
    matrix, counts, k_sum = _bin_matrix(k, multiplicity, np.asarray(edges, dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_squared = (matrix.T @ squared.T).T / counts
        k_mean = k_sum / counts
    n_total = float(np.prod(shape))
    power = mean_squared * box_size**ndim / n_total**2
    return k_mean, power.reshape(batch + (len(counts),)), counts


def dimensionless_power(k, power):
    r"""Dimensionless 3-D power :math:`\Delta^2(k) = k^3 P(k) / 2\pi^2`.

    Parameters
    ----------
    k : array-like
        Wavenumbers.
    power : array-like
        :math:`P(k)`, broadcastable against ``k``.

    Returns
    -------
    delta_squared : ndarray

    Examples
    --------
    >>> from skcosmo21.physics import dimensionless_power
    >>> import numpy as np
    >>> round(float(dimensionless_power(1.0, 2 * np.pi**2)), 6)
    1.0
    """
    return np.asarray(k) ** 3 * np.asarray(power) / (2 * np.pi**2)
