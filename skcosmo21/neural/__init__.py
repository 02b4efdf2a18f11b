"""neural."""

__all__ = []
