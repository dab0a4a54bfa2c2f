"""Summaries: sentence splitting and the sumy algorithms, by name. Pure."""
