"""machbox.trace."""
