"""Ensembles over slices: cube-level predictions from slice classifiers."""

from ._voting import SliceVotingClassifier

__all__ = ["SliceVotingClassifier"]
