"""`python -m allocator` is the same as `vicon`."""

from allocator.cli import app

app()
