"""Command-line interface: ``skcosmo21 run`` and friends.

Everything the user typed is checked before any work starts (options, configuration file,
data paths, cache and output folders); a mistake is one line on stderr and exit status 2,
with no output folder created. The application, not the library, quiets TensorFlow's C++
logging and picks matplotlib's file backend.
"""

import argparse
import logging
import os
import re
import sys
import tempfile

from ._version import __version__

#: Seeds the library accepts: the one rule of skcosmo21.utils.check_random_state_value.
MAX_SEED = 2**32 - 1

#: Lines TensorFlow's C++ libraries write while they load (absl's format, ``I0000 ...``) and
#: absl's notice that it has not been initialised.
_TF_LOG_LINE = re.compile(r"^([IWEF]\d{4} |WARNING: All log messages before absl::InitializeLog)")


class _OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``prog: error: ...``), exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _int_in(low, high, what):
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not low <= value <= (high if high is not None else value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


def build_parser():
    """Return the ``skcosmo21`` argument parser."""
    parser = _OneLineParser(
        prog="skcosmo21",
        description="Machine learning on 21-cm maps of the epoch of reionization.",
    )
    parser.add_argument("--version", action="version", version=f"skcosmo21 {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineParser)
    run = commands.add_parser(
        "run",
        help="run the original study (built-in simulations or your own boxes), write a report",
        description="Simulate the default grid (cached) or read your 21cmFAST boxes, train "
        "every model on every task with leave-one-realization-out cross-validation, and write "
        "results.json, results.csv and figures. Settings come from the built-in defaults (or "
        "--quick), then --config, then the options below.",
    )
    run.add_argument(
        "--quick", action="store_true", help="tiny grid and one epoch: a smoke run (~a minute)"
    )
    run.add_argument(
        "--data",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="21cmFAST boxes to study instead of simulating (folders or files that "
        "skcosmo21.datasets.load_21cmfast reads; several allowed)",
    )
    run.add_argument(
        "--test-data",
        nargs="+",
        action="extend",
        metavar="PATH",
        help="real 21cmFAST boxes to test the models trained on the simulator on (same "
        "grid as the study's; several paths allowed): every task then reports sim->sim, "
        "sim->real and real->real accuracy",
    )
    run.add_argument(
        "--config",
        metavar="FILE",
        help="TOML file of study settings (keys of skcosmo21.study.StudyConfig)",
    )
    run.add_argument("--tasks", metavar="LIST", help="comma-separated tasks among a, b, c, d")
    run.add_argument(
        "--models",
        metavar="LIST",
        help="comma-separated models among pca, power-spectrum, one-point, dense, cnn, "
        "autoencoder-cnn",
    )
    run.add_argument(
        "--epochs",
        type=_int_in(1, None, "a positive integer"),
        metavar="N",
        help="train every network (dense, CNN, autoencoder) for N epochs",
    )
    run.add_argument(
        "--telescope",
        metavar="NAME",
        help="also run every task on what this array would see (SKA1-Low, SKA1-Low-central, "
        "HERA, MWA-PhaseII; needs 21cmSense): the noiseless reference with the mean and the "
        "wedge removed, then once per --hours",
    )
    run.add_argument(
        "--hours",
        metavar="H[,H...]",
        help="observing times in hours for --telescope, e.g. 10,100,1000",
    )
    run.add_argument(
        "--wedge",
        metavar="WEDGE",
        help="foreground wedge excluded from observed cubes: horizon (default), primary-beam, "
        "none, or an angle in degrees",
    )
    run.add_argument("--output", default="skcosmo21-output", help="report folder")
    run.add_argument(
        "--n-jobs", type=_int_in(1, None, "a positive integer"), default=1, help="workers"
    )
    run.add_argument(
        "--random-state",
        type=_int_in(0, MAX_SEED, f"an integer in [0, {MAX_SEED}]"),
        default=0,
        help="seed of simulations and training",
    )
    run.add_argument(
        "--cache-dir",
        default=None,
        help="cache of simulations and fold results (default: the user cache folder)",
    )
    return parser


def _study_config(args):
    """The configuration the options ask for: preset, then --config, then options."""
    from .study import DEFAULT, QUICK, load_config

    config = QUICK if args.quick else DEFAULT
    if args.config is not None:
        config = load_config(args.config, base=config)
    changes = {}
    if args.tasks is not None:
        changes["tasks"] = args.tasks
    if args.models is not None:
        changes["models"] = args.models
    if args.epochs is not None:
        changes.update(
            epochs_dense=args.epochs, epochs_autoencoder=args.epochs, epochs_cnn=args.epochs
        )
    for key in ("telescope", "hours", "wedge"):
        if getattr(args, key) is not None:
            changes[key] = getattr(args, key)
    if args.test_data is not None:
        changes["test_data"] = args.test_data
    return config.replace(**changes)


def _check_data_paths(paths, option="--data"):
    from .study import StudyError

    for path in paths or ():
        if not os.path.exists(path):
            raise StudyError(f"{option} {path}: no such file or folder")


def _quiet_tensorflow_logging():
    """Keep TensorFlow's C++ and Python log lines off the terminal of ``skcosmo21 run``.

    ``TF_CPP_MIN_LOG_LEVEL=3`` (unless the user set it) silences the C++ lines TensorFlow
    writes during training, such as "E0000 ... NodeDef mentions attribute
    use_unbounded_threadpool", errors in name only. The lines its shared libraries write
    while they load come before absl reads any setting (absl logs everything until
    ``InitializeLog``; see abseil/abseil-cpp#1718 and #1957), so TensorFlow is imported here
    with file descriptor 2 captured, and whatever it wrote that is not such a log line is
    passed on. The Python loggers of TensorFlow and absl are set to errors only.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for name in ("tensorflow", "absl", "keras"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if "tensorflow" in sys.modules:
        return
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            text = captured.read().decode(errors="replace")
            kept = [line for line in text.splitlines() if not _TF_LOG_LINE.match(line)]
            if kept:
                print("\n".join(kept), file=sys.stderr)


def _run(args, argv):
    from .study import ConfigurationError, StudyError, format_table, run_study
    from .study._run import check_cache_dir, check_output_dir, default_cache_dir

    prog = "skcosmo21 run"
    from .study._observing import check_observing

    try:
        config = _study_config(args)
        check_observing(config)
        _check_data_paths(args.data)
        _check_data_paths(config.test_data, "--test-data")
        if args.data and config.test_data:
            raise StudyError(
                "test data (--test-data, or test_data in --config) test models trained on the "
                "simulator, which --data replaces: "
                "give one of them"
            )
        check_output_dir(args.output)
        check_cache_dir(args.cache_dir or default_cache_dir())
    except (ConfigurationError, StudyError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    # The report is written to files: matplotlib's file backend, whatever the display.
    os.environ.setdefault("MPLBACKEND", "Agg")
    if config.uses_networks:
        _quiet_tensorflow_logging()
    try:
        results = run_study(
            config,
            data=args.data,
            output=args.output,
            n_jobs=args.n_jobs,
            random_state=args.random_state,
            cache_dir=args.cache_dir,
            command=["skcosmo21", *argv],
        )
    except (ConfigurationError, StudyError) as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"{prog}: interrupted; simulations and folds finished so far are cached and the "
            "next run resumes from them",
            file=sys.stderr,
        )
        return 130
    print(format_table(results))
    return 0


def main(argv=None):
    """Entry point of the ``skcosmo21`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return _run(args, argv)
