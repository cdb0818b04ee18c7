"""Route paths of the pages."""

LOGIN = "/login"
SIGNUP = "/signup"
PROJECTS = "/projects"
PROJECT = "/projects/[project_id]"
API_KEYS = "/settings/keys"
ACCOUNT = "/settings/account"
GENERATE = "/generate"


def project_url(project_id: str) -> str:
    """Return the page URL of one project."""
    return f"{PROJECTS}/{project_id}"
