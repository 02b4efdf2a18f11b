"""The figures show the data they are given: checked on the drawn artists, not just drawn."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import make_pipeline

from skcosmo21.plotting import (
    plot_accuracy_vs_neutral_fraction,
    plot_accuracy_vs_observing_time,
    plot_confusion_matrix,
    plot_learning_curves,
    plot_sim_vs_real,
    plot_slice_grid,
)
from skcosmo21.preprocessing import ImageStandardizer


def test_slice_grid_shows_one_slice_per_class_on_a_shared_scale(small_cubes):
    select = small_cubes.realization == 1
    fig = plot_slice_grid(small_cubes, by="escape_fraction", select=select, axis=2, position=3)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 2  # two escape fractions
    for ax, value in zip(panels, [0.1, 0.3], strict=True):
        cube = np.flatnonzero(select & (small_cubes.escape_fraction == value))[0]
        np.testing.assert_array_equal(ax.images[0].get_array(), small_cubes.delta_T[cube][:, :, 3])
        assert ax.get_title().startswith(f"$f_\\mathrm{{esc}}$ = {value:g}, $x_\\mathrm{{HI}}$")
        assert ax.images[0].get_extent() == [0, 48.0, 0, 48.0]  # Mpc
    assert len({ax.images[0].get_clim() for ax in panels}) == 1


def test_slice_grid_draws_on_a_given_figure_and_names_bad_input(small_cubes):
    fig = Figure()
    assert plot_slice_grid(small_cubes, fig=fig) is fig
    assert len(plt.get_fignums()) == 0  # no pyplot figure was made
    with pytest.raises(ValueError, match="'temperature' is not in the cube data"):
        plot_slice_grid(small_cubes, by="temperature")
    with pytest.raises(ValueError, match="select leaves no cube"):
        plot_slice_grid(small_cubes, select=np.zeros(len(small_cubes.redshift), bool))


def test_confusion_matrix_values_and_neutral_fractions_on_both_axes():
    y_true = np.array(["7.5", "7.5", "9.5", "9.5", "10", "10"])
    y_pred = np.array(["7.5", "9.5", "9.5", "9.5", "10", "9.5"])
    neutral = np.array([0.2, 0.4, 0.7, 0.7, 0.95, 0.95])
    ax = plot_confusion_matrix(y_true, y_pred, neutral_fraction=neutral, title="task")
    labels = ["7.5", "9.5", "10"]  # numerical, not string, order
    expected = confusion_matrix(y_true, y_pred, labels=labels, normalize="true")
    np.testing.assert_allclose(ax.images[0].get_array(), expected)
    ticks = ["7.5 (0.30)", "9.5 (0.70)", "10 (0.95)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ticks
    assert [t.get_text() for t in ax.get_xticklabels()] == ticks
    assert ax.get_title() == "task"
    with pytest.raises(ValueError, match="one output of a joint model at a time"):
        plot_confusion_matrix(np.zeros((4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="one value per sample"):
        plot_confusion_matrix(y_true, y_pred, neutral_fraction=neutral[:3])


def test_accuracy_vs_neutral_fraction_counts_joint_outputs_and_skips_unknown():
    y_true = np.array([[7, 1], [7, 1], [8, 2], [8, 2], [9, 2]])
    y_pred = np.array([[7, 1], [7, 2], [8, 2], [8, 2], [8, 2]])
    neutral = np.array([0.1, 0.1, 0.6, 0.6, np.nan])
    fig, ax = plt.subplots()
    assert plot_accuracy_vs_neutral_fraction(y_true, y_pred, neutral, bins=2, ax=ax) is ax
    np.testing.assert_allclose(ax.lines[0].get_xydata(), [[0.25, 0.5], [0.75, 1.0]])
    with pytest.raises(ValueError, match="no finite value"):
        plot_accuracy_vs_neutral_fraction([1], [1], [np.nan])


def test_accuracy_vs_observing_time_draws_the_curve_and_its_references_in_one_colour():
    fig, ax = plt.subplots()
    out = plot_accuracy_vs_observing_time(
        [1000, 10, 100],
        [0.8, 0.3, 0.6],
        accuracy_std=[0.05, 0.01, 0.02],
        without_noise=0.9,
        simulated=0.97,
        chance=0.2,
        label="CNN",
        ax=ax,
    )
    assert out is ax
    assert ax.get_xscale() == "log"
    curve = ax.lines[0]
    # Sorted by time, whatever order the times came in.
    np.testing.assert_allclose(curve.get_xydata(), [[10, 0.3], [100, 0.6], [1000, 0.8]])
    levels = {tuple(line.get_ydata()): line for line in ax.lines[1:] if line.get_xdata()[0] == 0}
    assert levels[(0.9, 0.9)].get_linestyle() == "--"
    assert levels[(0.97, 0.97)].get_linestyle() == ":"
    assert levels[(0.9, 0.9)].get_color() == levels[(0.97, 0.97)].get_color() == curve.get_color()
    assert (0.2, 0.2) in levels
    (bars,) = ax.collections  # the error bars: one segment per time, +-std around the point
    segments = sorted(bars.get_segments(), key=lambda segment: segment[0][0])
    np.testing.assert_allclose(
        [s[:, 1] for s in segments], [[0.29, 0.31], [0.58, 0.62], [0.75, 0.85]]
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CNN"]


def test_accuracy_vs_observing_time_with_one_time_spans_half_a_decade_either_side(recwarn):
    fig, ax = plt.subplots()
    for accuracy in (0.5, 0.7):  # two models on the same axes, both observed for 1,000 h
        plot_accuracy_vs_observing_time([1000], [accuracy], ax=ax)
    fig.canvas.draw()
    assert not [w for w in recwarn if "singular" in str(w.message)]
    np.testing.assert_allclose(ax.get_xlim(), [1000 / 3, 3000])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (([10, 0], [0.5, 0.5]), "hours must be positive observing times"),
        (([10, 100], [0.5]), r"accuracy must be one value per observing time \(2,\)"),
        (([10], [1.5]), r"accuracy must lie in \[0, 1\]"),
        (([10], [0.5], {"accuracy_std": [-0.1]}), "accuracy_std must be non-negative"),
        (([10], [0.5], {"without_noise": 2.0}), r"without_noise must be an accuracy in \[0, 1\]"),
    ],
)
def test_accuracy_vs_observing_time_names_bad_input(arguments, message):
    hours, accuracy, *keywords = arguments
    with pytest.raises(ValueError, match=message):
        plot_accuracy_vs_observing_time(hours, accuracy, **(keywords[0] if keywords else {}))


class _Trained:
    def __init__(self, history):
        self.history_ = history

    def fit(self, X, y=None):
        return self


def test_learning_curves_from_estimators_pipelines_and_dicts():
    first = _Trained({"loss": [3.0, 2.0], "val_loss": [3.5, 2.5]})
    second = make_pipeline(ImageStandardizer(), _Trained({"loss": [1.0, 0.5, 0.25]}))
    ax = plot_learning_curves([first, second], labels=["dense", "cnn"])
    assert [line.get_label() for line in ax.lines] == ["dense", "dense (validation)", "cnn"]
    assert ax.lines[2].get_ydata().tolist() == [1.0, 0.5, 0.25]
    assert ax.lines[0].get_xdata().tolist() == [1, 2]
    with pytest.raises(ValueError, match="has no history_"):
        plot_learning_curves(ImageStandardizer())
    with pytest.raises(ValueError, match="has no 'accuracy'"):
        plot_learning_curves(first, metric="accuracy")


def _row(task, key, protocol, accuracy, std=0.0):
    return {
        "task": task,
        "description": f"what {task} predicts",
        "model": key.upper(),
        "model_key": key,
        "protocol": protocol,
        "accuracy_mean": accuracy,
        "accuracy_std": std,
        "chance": 0.2,
    }


def test_sim_vs_real_draws_one_bar_per_model_and_protocol_per_task():
    rows = [
        _row("a", "pca", "sim_to_sim", 0.9, 0.01),
        _row("a", "pca", "sim_to_real", 0.7, 0.02),
        _row("a", "pca", "real_to_real", 0.8, 0.03),
        _row("a", "cnn", "sim_to_real", 0.6),  # a model without every protocol
        _row("c", "pca", "sim_to_real", 0.5),
    ]
    fig = Figure()
    assert plot_sim_vs_real(rows, fig=fig) is fig
    assert len(plt.get_fignums()) == 0
    task_a, task_c = fig.axes
    bars = {
        (bar.get_x() + bar.get_width() / 2, bar.get_facecolor()): bar.get_height()
        for bar in task_a.patches
    }
    heights = sorted(bars.values())
    assert heights == pytest.approx([0.6, 0.7, 0.8, 0.9])
    # Bars of one model sit around its tick, in protocol order: sim→sim, sim→real, real→real.
    pca = sorted((x, h) for (x, _), h in bars.items() if x < 0.5)
    assert [h for _, h in pca] == pytest.approx([0.9, 0.7, 0.8])
    cnn = [(x, h) for (x, _), h in bars.items() if x > 0.5]
    assert cnn == [(pytest.approx(1.0), pytest.approx(0.6))]  # centred on the cnn tick
    assert [t.get_text() for t in task_a.get_xticklabels()] == ["pca", "cnn"]
    assert [t.get_text() for t in task_a.get_legend().get_texts()] == [
        "sim→sim",
        "sim→real",
        "real→real",
    ]
    (chance,) = [line for line in task_a.lines if line.get_linestyle() == "--"]
    assert list(chance.get_ydata()) == [0.2, 0.2]
    assert task_a.get_title() == "task a: what a predicts"
    assert [bar.get_height() for bar in task_c.patches] == [0.5]


def test_sim_vs_real_names_bad_rows():
    with pytest.raises(ValueError, match="results holds no row"):
        plot_sim_vs_real([])
    with pytest.raises(ValueError, match=r"a row lacks \['protocol'\]"):
        plot_sim_vs_real([{"task": "a", "model": "m", "accuracy_mean": 0.5}])
    with pytest.raises(ValueError, match="unknown protocol 'sim2real'"):
        plot_sim_vs_real([_row("a", "pca", "sim2real", 0.5)])
    with pytest.raises(ValueError, match="two rows for task, model and protocol"):
        plot_sim_vs_real([_row("a", "pca", "sim_to_real", 0.5)] * 2)
