"""Route paths of the pages."""

LOGIN = "/login"
SIGNUP = "/signup"
PROJECTS = "/projects"
PROJECT = "/projects/[project_id]"
API_KEYS = "/settings/keys"
ACCOUNT = "/settings/account"
GENERATE = "/generate"
ASSET = "/assets/[asset_id]"
ASSETS = "/assets"
PROJECT_ASSETS = "/projects/[project_id]/assets"
ANALYTICS = "/analytics"
PROJECT_ANALYTICS = "/projects/[project_id]/analytics"


def project_url(project_id: str) -> str:
    """Return the page URL of one project."""
    return f"{PROJECTS}/{project_id}"


def asset_url(asset_id: str) -> str:
    """Return the page URL of one asset."""
    return f"/assets/{asset_id}"


def project_assets_url(project_id: str) -> str:
    """Return the gallery URL of one project."""
    return f"{PROJECTS}/{project_id}/assets"


def project_analytics_url(project_id: str) -> str:
    """Return the analytics URL of one project."""
    return f"{PROJECTS}/{project_id}/analytics"
