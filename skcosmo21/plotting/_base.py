"""Helpers shared by the figures: new axes only when none is given, labels of quantities."""

import numpy as np

#: How per-cube quantities are written on axes and titles.
QUANTITY_LABELS = {
    "redshift": "z",
    "escape_fraction": r"$f_\mathrm{esc}$",
    "neutral_fraction": r"$\bar x_\mathrm{HI}$",
    "zeta": r"$\zeta$",
}
FIELD_LABELS = {"delta_T": r"$\delta T_b$ [mK]", "density": r"$\delta$", "x_HI": r"$x_\mathrm{HI}$"}


def new_axes_if_none(ax, figsize):
    """``ax``, or the axes of a new pyplot figure of ``figsize`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def new_figure_if_none(fig, figsize):
    """``fig``, or a new pyplot figure of ``figsize`` inches."""
    if fig is not None:
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def label_of(name):
    """How a per-cube quantity is written on a figure."""
    return QUANTITY_LABELS.get(name, name)


def sorted_labels(values):
    """Unique class labels, in numerical order when they are numbers (``"7.25" < "10"``)."""
    unique = np.unique(np.asarray(values))
    try:
        return sorted(unique, key=float)
    except (TypeError, ValueError):
        return list(unique)


def format_value(value):
    """A class label or number as it reads best: ``7.25``, ``0.15``, ``"a"``."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)
