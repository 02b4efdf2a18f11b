"""Figures of 21-cm studies, for user code, the gallery and ``skcosmo21 run``.

Every function draws on the matplotlib ``Axes`` (or ``Figure``) it is given, or on a new
pyplot one, and returns it, so figures compose and can be saved or shown by the caller.
matplotlib is imported when a function is called, never when this package is imported, and
no function chooses a backend.

One private module per kind of figure: ``_slices`` (the maps themselves), ``_confusion``
(what a classifier mixes up), ``_accuracy`` (accuracy against a physical or observational
variable: neutral fraction, observing time), ``_training`` (learning curves),
``_sim_to_real`` (models trained on simulations against the same trained on real boxes).
"""

from ._accuracy import plot_accuracy_vs_neutral_fraction, plot_accuracy_vs_observing_time
from ._confusion import plot_confusion_matrix
from ._sim_to_real import plot_sim_vs_real
from ._slices import plot_slice_grid
from ._training import plot_learning_curves

__all__ = [
    "plot_accuracy_vs_neutral_fraction",
    "plot_accuracy_vs_observing_time",
    "plot_confusion_matrix",
    "plot_learning_curves",
    "plot_sim_vs_real",
    "plot_slice_grid",
]
