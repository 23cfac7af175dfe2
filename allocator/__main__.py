"""`python -m allocator` is the same as `vicon`."""

from allocator.commands.main import app

app()
