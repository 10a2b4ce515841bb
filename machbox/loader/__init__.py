"""machbox.loader."""
