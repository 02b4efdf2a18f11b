"""The original study, runnable on the built-in simulator or on the user's own boxes.

``skcosmo21 run`` is a thin command line over :func:`run_study`. The pieces are public so a
study can be rerun, varied or extended from Python:

- configuration: :class:`StudyConfig`, the presets :data:`DEFAULT` and :data:`QUICK`,
  :func:`load_config` (TOML), the task table :data:`TASKS`;
- models: :data:`MODEL_NAMES` and :func:`build_model`, every hyperparameter in one place;
- evaluation: :func:`leave_one_realization_out` (scikit-learn's ``LeaveOneGroupOut`` over
  realizations), :func:`sim_to_real_folds` (the same training sets tested on other data, e.g.
  real 21cmFAST boxes; :data:`PROTOCOLS`) and :func:`evaluate`, one cached fit per training
  set;
- report: :func:`format_table`; the figures come from :mod:`skcosmo21.plotting`.

Importing this package imports neither TensorFlow nor matplotlib.
"""

from ._config import DEFAULT, QUICK, TASKS, ConfigurationError, StudyConfig, load_config
from ._data import StudyError
from ._evaluation import Fold, evaluate, leave_one_realization_out, sim_to_real_folds
from ._models import MODEL_NAMES, NEURAL_MODELS, build_model
from ._report import format_table
from ._run import default_cache_dir, run_study
from ._sim_to_real import PROTOCOLS

__all__ = [
    "DEFAULT",
    "MODEL_NAMES",
    "NEURAL_MODELS",
    "PROTOCOLS",
    "QUICK",
    "TASKS",
    "ConfigurationError",
    "Fold",
    "StudyConfig",
    "StudyError",
    "build_model",
    "default_cache_dir",
    "evaluate",
    "format_table",
    "leave_one_realization_out",
    "load_config",
    "run_study",
    "sim_to_real_folds",
]
