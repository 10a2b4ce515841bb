"""machbox: run unmodified macOS (x86_64 Mach-O) command-line programs on Linux."""

__version__ = "0.1.0"
