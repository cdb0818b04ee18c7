"""SQLModel tables, one module per domain; importing this registers them all."""

from mediaws.models.accounts import AuthSession, LoginAttempt, User
from mediaws.models.analytics import LedgerEntry, UsageBucket, UsageHour
from mediaws.models.assets import Asset, AssetTag, StorageDeletion, Tag
from mediaws.models.emails import SentEmail
from mediaws.models.generation import AsyncJob, Generation
from mediaws.models.keys import ApiKey
from mediaws.models.projects import Project
from mediaws.models.tokens import PersonalAccessToken

__all__ = [
    "ApiKey",
    "Asset",
    "AssetTag",
    "AsyncJob",
    "AuthSession",
    "Generation",
    "LedgerEntry",
    "LoginAttempt",
    "PersonalAccessToken",
    "Project",
    "SentEmail",
    "StorageDeletion",
    "Tag",
    "UsageBucket",
    "UsageHour",
    "User",
]
