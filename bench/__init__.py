"""Quality and speed benchmarks; each module is also a script (``python bench/<name>.py``)."""
