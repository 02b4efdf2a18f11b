"""Command-line interface: ``skcosmo21 run`` and friends."""

import argparse
import logging
import sys

from ._version import __version__


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def build_parser():
    """Return the ``skcosmo21`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skcosmo21",
        description="Machine learning on 21-cm maps of the epoch of reionization.",
    )
    parser.add_argument("--version", action="version", version=f"skcosmo21 {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="reproduce the original study on built-in simulated data and write a report",
        description="Simulate the default grid (cached), train every model on every task with "
        "realization-grouped cross-validation, and write results.json, results.csv and figures.",
    )
    run.add_argument("--quick", action="store_true", help="small grid and few epochs (~minutes)")
    run.add_argument("--output", default="skcosmo21-output", help="report folder")
    run.add_argument("--n-jobs", type=_positive_int, default=1, help="parallel workers")
    run.add_argument("--random-state", type=_non_negative_int, default=0, help="seed")
    run.add_argument(
        "--cache-dir",
        default=None,
        help="cache of simulations and fold results (default: user cache)",
    )
    return parser


def main(argv=None):
    """Entry point of the ``skcosmo21`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    from ._main_job import MainJobError, run_main_job

    try:
        run_main_job(
            quick=args.quick,
            output=args.output,
            n_jobs=args.n_jobs,
            random_state=args.random_state,
            cache_dir=args.cache_dir,
        )
    except MainJobError as error:
        print(f"skcosmo21 run: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "skcosmo21 run: interrupted; simulations and folds finished so far are cached and "
            "the next run resumes from them",
            file=sys.stderr,
        )
        return 130
    return 0
