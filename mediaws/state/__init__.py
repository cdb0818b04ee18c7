"""Reflex state classes, one module per page area; thin layers over services."""
