"""The `vicon` command line: one typer app, its sub-commands and the tables they print."""
