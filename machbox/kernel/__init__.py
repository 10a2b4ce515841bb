"""machbox.kernel."""
