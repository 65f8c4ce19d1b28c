"""gomem: a faithful Python model of Go's memory allocator, for teaching."""

from gomem.errors import (BadPError, BadPointerError, BadSizeError, ConfigError, GoMemError,
                          HeapCorruptionError, OutOfMemoryError, SegmentationFault)

__all__ = ["GoMemError", "BadSizeError", "OutOfMemoryError", "BadPointerError", "BadPError",
           "HeapCorruptionError", "ConfigError", "SegmentationFault"]
