"""Tokens and payloads out of every log line.

A log record factory scrubs bearer tokens, JWTs, OpenShift `sha256~` tokens,
Authorization headers and the passwords in URLs (`postgresql://user:PASSWORD@host`) from
every record's message and arguments before any handler sees it, whichever library logged
it (httpx, uvicorn, SQLAlchemy, the MCP SDK, ols itself).
"""

from __future__ import annotations

import logging
import re
from typing import Any

_PATTERNS = (
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(bearer\s+)?[^\s'\",}]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"()eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),
    re.compile(r"()sha256~[A-Za-z0-9_-]{10,}"),
    re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@'\"]+:)[^\s@/'\"]+(?=@)"),
)
SCRUBBED = "[REDACTED:token]"
# Libraries that log whole request or response payloads at DEBUG (tool output, prompts):
# never below INFO, whatever the root level, so no payload reaches a log.
PAYLOAD_LOGGERS = ("mcp", "openai", "httpcore", "httpcore2", "httpx", "httpx2", "hpack")
_installed = False


def scrub(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + SCRUBBED, text)
    return text


def _scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, tuple):
        return tuple(_scrub_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _scrub_value(v) for k, v in value.items()}
    if isinstance(value, int | float | bool) or value is None:
        return value
    return scrub(str(value))


def install_log_scrubbing() -> None:
    """Install the scrubbing record factory once per process."""
    global _installed
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO or logger.level < logging.INFO:
            logger.setLevel(logging.INFO)
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.msg = (
            scrub(str(record.msg)) if not isinstance(record.msg, str) else scrub(record.msg)
        )
        if record.args:
            record.args = _scrub_value(record.args)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, scrubbed, so the handler prints no raw token.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
