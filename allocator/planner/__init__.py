"""The planning core: a `Problem` in, a validated `Plan` out, with no I/O, clock, database, web or Zoom.

Everything here is pure and deterministic for a given input and time limit; the shell (store, sync, notify, web,
the daemon and the command line) calls it and never the other way round (checked by the import contract in
pyproject.toml).
"""
