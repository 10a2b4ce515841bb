"""machbox.tools."""
