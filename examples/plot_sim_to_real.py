"""
Trained on the simulator, tested on real 21cmFAST boxes
=======================================================

The built-in simulator makes a training grid in seconds; what is learnt from it is only worth
something if it holds on real 21cmFAST boxes. ``test_data`` of
:func:`~skcosmo21.study.run_study` (``skcosmo21 run --test-data PATH`` on the command line)
measures exactly that. It reads the real boxes, simulates the study's grid restricted to their
redshifts and escape fractions, and runs every task and model three ways:

- **sim→sim**: trained on all simulated realizations but one, tested on that one (the
  study's usual leave-one-realization-out);
- **sim→real**: the same fitted models, tested on each real seed;
- **real→real**: trained on one real seed, tested on the other, what the model reaches when
  it learns from 21cmFAST itself.

sim→real close to real→real says the simulator carries what the model reads; sim→real close
to sim→sim says a simulated test set predicts what a user will see on real boxes.

Here the real boxes are two seeds of real 21cmFAST 3.4.0 runs that ship with the tests (32³
cells over 48 Mpc, z = 7, 8, 9, ζ = 20 and 40, i.e. f_esc = 0.1 and 0.2), and the models are
the study's two fastest, so that the example runs in seconds; with so few slices its
accuracies scatter by several per cent. The measurement at the study's own grid (64³ cells
over 300 Mpc, every model) is in :doc:`/user_guide/reproducing_the_study`.
"""

import pathlib
import tempfile

import matplotlib.pyplot as plt

from skcosmo21.plotting import plot_sim_vs_real
from skcosmo21.study import QUICK, format_table, run_study

# The real boxes (see tests/data/README.md). sphinx-gallery runs examples from the examples
# folder without defining __file__.
try:
    examples = pathlib.Path(__file__).resolve().parent
except NameError:
    examples = pathlib.Path.cwd()
data = examples.parent / "tests" / "data"
real_boxes = [data / "21cmfast-boxes" / "h5", data / "21cmfast-boxes-seed2" / "h5"]

# The study's grid must be the boxes' grid and hold their classes; the simulated grid is then
# restricted to the boxes' (z, f_esc) pairs. Task a predicts the redshift at f_esc = 0.1,
# task b the escape fraction at z = 8.
config = QUICK.replace(
    models=["one-point", "power-spectrum"],
    n_cells=32,
    box_size=48.0,
    redshifts=(7.0, 8.0, 9.0),
    escape_fractions=(0.1, 0.2),
    fixed_escape_fraction=0.1,
    fixed_redshift=8.0,
)
with tempfile.TemporaryDirectory() as folder:
    results = run_study(
        config,
        test_data=real_boxes,
        output=pathlib.Path(folder) / "report",
        cache_dir=pathlib.Path(folder) / "cache",
    )
print(format_table(results))

# %%
# Every protocol side by side
# ---------------------------
# One panel per task, one bar per protocol for each model, the spread over folds as error
# bars and chance as a dashed line. ``skcosmo21 run --test-data`` draws the same figure into
# its report as ``sim_vs_real.png``.

fig = plot_sim_vs_real(results, fig=plt.figure(figsize=(13, 4)))
fig.suptitle("trained on 2 simulated realizations or 1 real seed; real 21cmFAST 3.4.0, 48 Mpc")
