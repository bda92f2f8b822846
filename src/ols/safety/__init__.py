"""The safety layer: what keeps secrets and excess away from the model, the API response and
the logs. It owns redaction of tool results and questions (`redaction`), token scrubbing of
log records (`log_scrubbing`), per-caller limits (`limits`), the audit trail of tool calls
(`audit`) and their settings (`settings`).
"""

from ols.safety.redaction import Redacted, RedactionPattern, RedactionSettings, Redactor

__all__ = ["Redacted", "RedactionPattern", "RedactionSettings", "Redactor"]
