"""Reusable UI pieces bound to state vars and handlers."""
