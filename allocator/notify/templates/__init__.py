"""Jinja2 templates of the notifier (a package so its files ship as package data)."""
