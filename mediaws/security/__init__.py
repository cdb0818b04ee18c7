"""Secrets: master-key encryption, password hashing and session tokens."""
