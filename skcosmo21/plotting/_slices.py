"""Maps: a grid of example slices, one per class."""

import numpy as np

from ._base import FIELD_LABELS, format_value, label_of, new_figure_if_none


def plot_slice_grid(
    cubes,
    by="redshift",
    *,
    field="delta_T",
    select=None,
    axis=0,
    position=0,
    n_columns=6,
    cmap="magma",
    vmin=None,
    vmax=None,
    fig=None,
):
    """One example slice per value of a per-cube label, on a shared colour scale.

    Shows what a classifier of ``by`` has to tell apart: for each class the first selected
    cube with that value, sliced along ``axis`` at ``position``, titled with the class and the
    cube's neutral fraction when the data hold it, in Mpc when they give ``box_size``.

    Parameters
    ----------
    cubes : Bunch or dict
        Cube data as returned by :func:`~skcosmo21.datasets.make_reionization_cubes` or
        :func:`~skcosmo21.datasets.load_21cmfast`: the ``field`` array (n_cubes, n, n, n),
        the per-cube column ``by``, optionally ``neutral_fraction`` and ``box_size``.
    by : str, default="redshift"
        Per-cube column whose values make the panels.
    field : str, default="delta_T"
        Which cubes to show.
    select : array-like of bool of shape (n_cubes,), default=None
        Cubes to draw from (e.g. one escape fraction and one realization); all when None.
    axis : {0, 1, 2}, default=0
        Slicing axis.
    position : int, default=0
        Index of the slice along ``axis``.
    n_columns : int, default=6
        Panels per row.
    cmap : str, default="magma"
        Colour map.
    vmin, vmax : float, default=None
        Colour range shared by all panels; the range of the shown slices when None.
    fig : matplotlib.figure.Figure, default=None
        Figure to draw on (it should be empty); a new pyplot figure when None.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> from skcosmo21.datasets import make_reionization_cubes
    >>> from skcosmo21.plotting import plot_slice_grid
    >>> cubes = make_reionization_cubes([7.0, 8.0, 9.0], [0.2], n_cells=16, box_size=32.0,
    ...                                 random_state=0)
    >>> fig = plot_slice_grid(cubes, by="redshift")
    >>> [ax.get_title().split(",")[0] for ax in fig.axes[:3]]
    ['z = 7', 'z = 8', 'z = 9']
    """
    for name in (field, by):
        if name not in cubes:
            raise ValueError(f"{name!r} is not in the cube data; have {sorted(cubes)}")
    if axis not in (0, 1, 2):
        raise ValueError(f"axis must be 0, 1 or 2, got {axis!r}")
    data, values = cubes[field], np.asarray(cubes[by])
    mask = np.ones(len(values), bool) if select is None else np.asarray(select, dtype=bool)
    if mask.shape != values.shape:
        raise ValueError(f"select must have one entry per cube ({len(values)}), got {mask.shape}")
    if not mask.any():
        raise ValueError("select leaves no cube to show")
    classes = np.unique(values[mask])
    chosen = [int(np.flatnonzero(mask & (values == value))[0]) for value in classes]
    images = [np.take(data[i], position, axis=axis) for i in chosen]
    vmin = min(float(np.min(image)) for image in images) if vmin is None else vmin
    vmax = max(float(np.max(image)) for image in images) if vmax is None else vmax

    columns = min(len(chosen), n_columns)
    rows = int(np.ceil(len(chosen) / columns))
    fig = new_figure_if_none(fig, (2.2 * columns + 1.0, 2.2 * rows + 0.4))
    axes = fig.subplots(rows, columns, squeeze=False)
    box_size = cubes.get("box_size") if hasattr(cubes, "get") else None
    side = images[0].shape[0]
    extent = None if box_size is None else [0, float(box_size), 0, float(box_size)]
    neutral = cubes.get("neutral_fraction") if hasattr(cubes, "get") else None
    for ax, i, value, image in zip(axes.ravel(), chosen, classes, images, strict=False):
        shown = ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax, extent=extent, origin="lower")
        title = f"{label_of(by)} = {format_value(value)}"
        if neutral is not None and np.isfinite(neutral[i]):
            title += rf", $x_\mathrm{{HI}}$ = {neutral[i]:.2f}"
        ax.set_title(title, fontsize=8)
        ax.set_xlabel("Mpc" if extent else f"pixel (of {side})", fontsize=7)
        ax.tick_params(labelsize=6)
    for ax in axes.ravel()[len(chosen) :]:
        ax.axis("off")
    fig.colorbar(shown, ax=axes, label=FIELD_LABELS.get(field, field), shrink=0.8)
    return fig
