"""The errors ols raises to its callers, in one hierarchy.

Every message says what happened and what to do about it.
"""


class OlsError(Exception):
    """Base of every error ols reports to a user."""


class ConfigurationError(OlsError):
    """The configuration or the installation is incomplete or wrong."""


class ServerBinaryMissing(ConfigurationError):
    """The kubernetes-mcp-server binary is not where ols looks for it."""


class DatabaseUnavailable(OlsError):
    """The database cannot be reached, or its schema is not the one this version needs."""
