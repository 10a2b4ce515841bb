"""machbox.vfs."""
