"""Small parts of the tool layer on their own: tokens, settings, results, targets."""

from __future__ import annotations

import asyncio
import http.server
import json
import logging
import pickle
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from ols.auth.token import UserToken
from ols.config import OlsConfig, load_config
from ols.errors import ConfigurationError
from ols.tools.catalogue import ToolSpec, tool_spec
from ols.tools.kubeconfig import render_kubeconfig
from ols.tools.results import truncate_text
from ols.tools.targets import read_kubeconfig, resolve_target


def test_user_token_never_shows_its_value(caplog: pytest.LogCaptureFixture) -> None:
    token = UserToken("sha256~very-secret-value")
    assert "very-secret" not in repr(token)
    assert "very-secret" not in str(token)
    assert "very-secret" not in f"{token} {[token]} { ({'t': token}) }"
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("calling with %s", token)
    assert "very-secret" not in caplog.text
    with pytest.raises(TypeError):
        pickle.dumps(token)
    assert token.reveal() == "sha256~very-secret-value"
    assert UserToken.optional("  ") is None
    assert UserToken.optional(None) is None
    with pytest.raises(ValueError):
        UserToken(" ")


def test_http_servers_must_forward_the_user_token() -> None:
    with pytest.raises(ValidationError, match="no header carries the user's token"):
        OlsConfig.model_validate({"mcp_servers": [{"name": "k", "url": "http://x/mcp"}]})
    with pytest.raises(ValidationError, match="needs a url"):
        OlsConfig.model_validate({"mcp_servers": [{"name": "k", "transport": "sse"}]})
    with pytest.raises(ValidationError, match="names must be unique"):
        OlsConfig.model_validate({"mcp_servers": [{"name": "k", "transport": "stdio"}] * 2})
    with pytest.raises(ValidationError, match="stdio servers take"):
        OlsConfig.model_validate(
            {"mcp_servers": [{"name": "k", "transport": "stdio", "url": "http://x"}]}
        )


def test_load_config_errors_name_the_file_and_setting(tmp_path: Path) -> None:
    bad = tmp_path / "ols.yaml"
    bad.write_text("mcp_servers:\n  - name: k\n    transport: carrier-pigeon\n")
    with pytest.raises(ConfigurationError) as caught:
        load_config(bad)
    assert str(bad) in str(caught.value)
    assert "mcp_servers.0.transport" in str(caught.value)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")
    bad.write_text("mcp_servers: [\n")
    with pytest.raises(ConfigurationError, match="not valid YAML"):
        load_config(bad)


def test_truncate_text_cuts_at_lines_and_reports_the_size() -> None:
    text = "".join(f"line {i:04d}\n" for i in range(1000))
    cut, truncated, size = truncate_text(text, 2000)
    assert truncated and size == len(text.encode())
    assert len(cut.encode()) <= 2000
    assert f"the tool returned {size} bytes" in cut
    assert all(line.startswith("line ") for line in cut.splitlines()[:-1])
    assert truncate_text("short", 2000) == ("short", False, 5)
    wide, _, _ = truncate_text("é" * 5000, 1024)
    assert len(wide.encode()) <= 1024  # never splits a character


def test_read_kubeconfig(tmp_path: Path) -> None:
    path = tmp_path / "kc"
    path.write_text(render_kubeconfig("https://127.0.0.1:6443", b"PEM", user="u", token="tok"))
    found = read_kubeconfig(path)
    assert found.api_url == "https://127.0.0.1:6443"
    assert found.token.reveal() == "tok"
    assert found.certificate_authority_data == "UEVN"
    path.write_text(render_kubeconfig("https://h", b"PEM", user="u", token=None))
    with pytest.raises(ConfigurationError, match="has no bearer token"):
        read_kubeconfig(path)


def test_resolve_target_rejects_ambiguous_identities(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="give --sandbox DIR too"):
        resolve_target(user="alice")
    with pytest.raises(ConfigurationError, match="one of --user, --kubeconfig or --token"):
        resolve_target(sandbox=tmp_path, user="alice", token="t")
    with pytest.raises(ConfigurationError, match="no running sandbox"):
        resolve_target(sandbox=tmp_path, user="alice")


def test_every_http_session_shares_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a TLS context costs ~50 ms of CPU per client; sessions share one."""
    from ols.tools import transports
    from ols.tools.settings import ClusterSettings, McpServerSettings

    contexts: list[object] = []

    class Recorder(transports.httpx2.AsyncClient):
        def __init__(self, *args: object, **kwargs: object) -> None:
            contexts.append(kwargs.get("verify"))
            raise RuntimeError("recorded")

    monkeypatch.setattr(transports.httpx2, "AsyncClient", Recorder)
    server = McpServerSettings.model_validate(
        {"name": "k", "transport": "streamable_http", "url": "http://127.0.0.1:9/mcp",
         "headers": {"Authorization": "kubernetes"}}
    )  # fmt: skip

    async def open_as(user: str) -> None:
        async with transports.open_session(server, ClusterSettings(), UserToken(user)):
            pass

    for user in ("alice-token", "bob-token"):
        with pytest.raises(RuntimeError, match="recorded"):
            asyncio.run(open_as(user))
    first, second = contexts
    assert first is second is transports.tls_context()


def _spec(schema: dict[str, object]) -> ToolSpec:
    tool = SimpleNamespace(
        name="t", description="", input_schema=schema, annotations=None, title=None
    )
    return tool_spec("s", tool)


def test_arguments_are_checked_against_the_input_schema() -> None:
    spec = _spec(
        {
            "type": "object",
            "properties": {
                "namespace": {"type": "string"},
                "selector": {"type": "object", "properties": {"app": {"type": "string"}}},
            },
            "required": ["namespace"],
        }
    )
    assert spec.argument_problems({"namespace": "team-a", "selector": {"app": "web"}}) == []
    assert spec.argument_problems({"selector": {"app": 3}}) == [
        '"namespace" is a required property',
        'selector/app: 3 is not of type "string"',
    ]
    # What JSON cannot carry is a clear problem too, not a failure inside ols.
    for bad in ({"namespace": "\ud800"}, {"namespace": "a", 1: 2}, {"namespace": float("nan")}):
        (problem,) = spec.argument_problems(bad)
        assert problem.startswith("the arguments are not valid JSON data")


def test_a_schema_names_its_own_draft() -> None:
    # Draft 7 reads a list-valued `items` as a tuple; draft 2020-12 (the default) rejects it.
    tuple_items = {"type": "array", "items": [{"type": "string"}]}
    draft7 = _spec(
        {
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "properties": {"args": tuple_items},
        }
    )
    assert draft7.argument_problems({"args": [3]}) == ['args/0: 3 is not of type "string"']
    assert _spec({"type": "object", "properties": {"args": tuple_items}})._validator is None


def test_a_broken_or_remote_schema_leaves_the_check_to_the_server() -> None:
    fetched: list[str] = []

    class SchemaServer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            body = json.dumps({"type": "object", "required": ["a"]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), SchemaServer) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            broken = _spec({"type": "object", "properties": {"a": {"type": "nope"}}})
            # A remote $ref would be a download at run time: it is never fetched.
            remote = _spec({"$ref": f"http://127.0.0.1:{server.server_port}/schema.json"})
        finally:
            server.shutdown()
    assert fetched == []
    for spec in (broken, remote):
        assert spec._validator is None
        assert spec.argument_problems({"b": 1}) == []
        (problem,) = spec.argument_problems({"b": "\ud800"})  # the wire check still holds
        assert problem.startswith("the arguments are not valid JSON data")
