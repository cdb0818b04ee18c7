"""Durable jobs: records with leases in the database, and the workers that run them."""
