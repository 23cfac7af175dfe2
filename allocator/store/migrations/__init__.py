"""Alembic migrations of the store (packaged so `vicon db upgrade` works from an installed package)."""
