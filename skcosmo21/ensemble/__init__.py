"""ensemble."""

__all__ = []
