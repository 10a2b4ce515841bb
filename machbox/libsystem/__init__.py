"""machbox.libsystem."""
