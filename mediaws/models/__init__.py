"""SQLModel tables, one module per domain; importing this registers them all."""

from mediaws.models.accounts import AuthSession, LoginAttempt, User
from mediaws.models.keys import ApiKey
from mediaws.models.projects import Project

__all__ = ["ApiKey", "AuthSession", "LoginAttempt", "Project", "User"]
