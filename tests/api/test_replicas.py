"""Two replicas: two `ols serve` processes sharing one PostgreSQL database and one
kubernetes-mcp-server (the sandbox's, in HTTP mode), with the scripted LLM.

A question asked on replica A is decided on replica B; B continues the turn (the turn's
state is in the database, nothing waits in A's memory), the approved call runs once, and
both replicas list the conversation. Replica A killed (SIGKILL) in the middle of a turn
loses nothing that was stored and duplicates nothing; B serves the user on.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.conftest import SandboxHandle
from tests.support.database import query
from tests.support.postgres import PostgresServer
from tests.support.scripted_llm import ScriptedLLM, delay, reply, tool_calls

START_TIMEOUT_S = 90
SCALE = (
    "resources_scale",
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "web",
        "namespace": "team-a",
        "scale": 5,
    },
)
DEPLOYMENT = "/apis/apps/v1/namespaces/team-a/deployments/web"


@dataclass
class Replica:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    sandbox: SandboxHandle

    def client(self, user: str) -> httpx2.Client:
        return httpx2.Client(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.sandbox.token(user)}"},
            timeout=60,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start_replica(
    name: str, sandbox: SandboxHandle, llm: ScriptedLLM, database_url: str, workdir: Path
) -> Replica:
    """`ols serve` as a deployment runs it: the database URL from the environment (a Secret
    there), the rest from flags and a configuration file."""
    config = workdir / f"{name}.yaml"
    config.write_text("llm:\n  max_retries: 0\n  timeout_seconds: 120\n")
    port = _free_port()
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ols",
            "serve",
            "--sandbox",
            str(sandbox.state_dir),
            "--config",
            str(config),
            "--llm-url",
            llm.url,
            "--llm-model",
            llm.model,
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "OLS_DATABASE_URL": database_url},
    )
    replica = Replica(name, f"http://127.0.0.1:{port}", process, sandbox)

    def ready() -> bool:
        if process.poll() is not None:
            raise RuntimeError(
                f"replica {name} exited with {process.returncode}:\n"
                + (workdir / f"{name}.log").read_text()
            )
        try:
            return httpx2.get(f"{replica.url}/readiness", timeout=2).status_code == 200
        except httpx2.HTTPError:
            return False

    _wait_until(ready, f"replica {name} to be ready", START_TIMEOUT_S)
    return replica


@pytest.fixture(scope="module")
def replicas(
    sandbox: SandboxHandle,
    scripted_llm_server: ScriptedLLM,
    postgres: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Replica, Replica, str]]:
    """Replicas a and b on one new database; the tests here share them (the last one kills
    a), so each asserts on the rows of its own conversation and approval."""
    database_url = postgres.create_database("replicas")
    workdir = tmp_path_factory.mktemp("replicas")
    started: list[Replica] = []
    try:
        # Started together: the second waits on the migration lock, then finds the schema.
        threads = []
        for name in ("a", "b"):

            def start(name: str = name) -> None:
                started.append(
                    start_replica(name, sandbox, scripted_llm_server, database_url, workdir)
                )

            threads.append(threading.Thread(target=start))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(started) == 2, f"a replica did not start (its log is in {workdir})"
        a, b = sorted(started, key=lambda r: r.name)
        yield a, b, database_url
    finally:
        for replica in started:
            if replica.process.poll() is None:
                replica.process.terminate()
                replica.process.wait(timeout=30)


@pytest.fixture(autouse=True)
def _web_back_to_three(sandbox: SandboxHandle) -> Iterator[None]:
    yield
    with sandbox.client("admin") as admin:  # leave the world as the other tests expect it
        admin.patch(
            DEPLOYMENT + "/scale",
            content=json.dumps({"spec": {"replicas": 3}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )


def _scales(sandbox: SandboxHandle, since: int) -> list[dict[str, Any]]:
    return [
        e
        for e in sandbox.audit()[since:]
        if e.get("subresource") == "scale" and e.get("verb") in ("update", "patch")
    ]


def _replicas_of_web(sandbox: SandboxHandle) -> int:
    with sandbox.client("admin") as admin:
        return int(admin.get(DEPLOYMENT).json()["spec"]["replicas"])


def _ask_to_scale(replica: Replica, llm: ScriptedLLM) -> dict[str, Any]:
    llm.script(tool_calls(SCALE))
    with replica.client("alice") as alice:
        response = alice.post("/v1/query", json={"query": "scale web to 5"})
    assert response.status_code == 200, response.text
    body = dict(response.json())
    assert len(body["pending_approvals"]) == 1
    return body


def _stored(database_url: str, conversation: str, approval_id: str) -> dict[str, list[Any]]:
    """What the service keeps of one conversation and one approval, row by row."""
    return {
        "turns": query(
            database_url,
            "SELECT position, query, response FROM turns WHERE conversation_id = :c "
            "ORDER BY position",
            {"c": conversation},
        ),
        "approvals": query(
            database_url,
            "SELECT tool, decision, decided_by = user_id FROM approvals WHERE id = :a",
            {"a": approval_id},
        ),
        "audit": query(
            database_url,
            "SELECT tool, outcome FROM tool_call_audit WHERE approval_id = :a",
            {"a": approval_id},
        ),
        "suspended": query(
            database_url,
            "SELECT s.status FROM suspended_turns s JOIN approvals a ON a.turn_id = s.id "
            "WHERE a.id = :a",
            {"a": approval_id},
        ),
    }


def test_asked_on_one_replica_decided_and_continued_on_the_other(
    replicas: tuple[Replica, Replica, str], scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    a, b, database_url = replicas
    before = len(sandbox.audit())
    asked = _ask_to_scale(a, scripted_llm)
    (pending,) = asked["pending_approvals"]
    conversation = asked["conversation_id"]

    scripted_llm.script(reply("web now runs 5 replicas."))
    decision = {"approval_id": pending["approval_id"], "approved": True}
    with b.client("alice") as alice:
        decided = alice.post("/v1/tool-approvals/decision", json=decision)
    assert decided.status_code == 200, decided.text
    assert decided.json()["response"] == "web now runs 5 replicas."
    assert decided.json()["conversation_id"] == conversation
    with a.client("alice") as alice:  # the other replica cannot decide it again
        again = alice.post("/v1/tool-approvals/decision", json=decision)
    assert again.status_code == 409

    (scaled,) = _scales(sandbox, before)  # ran once, as alice
    assert scaled["user"] == "alice"
    assert _replicas_of_web(sandbox) == 5
    stored = _stored(database_url, conversation, pending["approval_id"])
    assert stored["audit"] == [("resources_scale", "success")]
    assert stored["approvals"] == [("resources_scale", "approved", True)]
    assert stored["suspended"] == [("resumed",)]

    for replica in (a, b):  # either replica lists it, with the whole turn
        with replica.client("alice") as alice:
            listed = alice.get("/v1/conversations").json()["conversations"]
            history = alice.get(f"/v1/conversations/{conversation}").json()["chat_history"]
        assert {c["conversation_id"]: c["message_count"] for c in listed}[conversation] == 2
        assert history[0]["messages"][1]["content"] == "web now runs 5 replicas."
        assert [r["name"] for r in history[0]["tool_results"]] == ["resources_scale"]
    with b.client("bob") as bob:
        assert bob.get("/v1/conversations").json()["conversations"] == []

    # A follow-up on A sees the turn B finished.
    scripted_llm.script(reply("Five."))
    with a.client("alice") as alice:
        follow_up = alice.post(
            "/v1/query", json={"query": "how many now?", "conversation_id": conversation}
        )
    assert follow_up.status_code == 200, follow_up.text
    sent = scripted_llm.requests[-1].text()
    assert "scale web to 5" in sent and "web now runs 5 replicas." in sent
    turns = _stored(database_url, conversation, pending["approval_id"])["turns"]
    assert turns == [
        (0, "scale web to 5", "web now runs 5 replicas."),
        (1, "how many now?", "Five."),
    ]


def test_a_replica_killed_mid_turn_loses_and_duplicates_nothing(
    replicas: tuple[Replica, Replica, str], scripted_llm: ScriptedLLM, sandbox: SandboxHandle
) -> None:
    a, b, database_url = replicas
    scripted_llm.script(reply("All pods are running."))
    with a.client("alice") as alice:
        first = alice.post("/v1/query", json={"query": "how are my pods?"}).json()
    conversation = first["conversation_id"]

    # A approved write: A runs the call, then dies while the model writes its answer.
    before = len(sandbox.audit())
    asked = _ask_to_scale(b, scripted_llm)
    (pending,) = asked["pending_approvals"]
    scale_conversation = asked["conversation_id"]
    scripted_llm.script(delay(120, reply("never sent")))
    outcome: dict[str, Any] = {}

    def decide_on_a() -> None:
        try:
            with a.client("alice") as alice:
                outcome["response"] = alice.post(
                    "/v1/tool-approvals/decision",
                    json={"approval_id": pending["approval_id"], "approved": True},
                )
        except httpx2.HTTPError as exc:
            outcome["error"] = exc

    requests_before = len(scripted_llm.requests)
    deciding = threading.Thread(target=decide_on_a)
    deciding.start()
    _wait_until(
        lambda: len(scripted_llm.requests) > requests_before, "A to ask the model for its answer"
    )
    stored_before = _stored(database_url, conversation, pending["approval_id"])
    a.kill()
    deciding.join(timeout=60)
    assert "error" in outcome, outcome  # the caller saw the connection drop

    # What was stored stays, once: the decision, the call's audit row, the first turn; the
    # unfinished turn was never stored. The call ran once and cannot run again.
    stored = _stored(database_url, conversation, pending["approval_id"])
    assert stored == stored_before
    assert stored["turns"] == [(0, "how are my pods?", "All pods are running.")]
    assert stored["approvals"] == [("resources_scale", "approved", True)]
    assert stored["audit"] == [("resources_scale", "success")]
    assert stored["suspended"] == [("resumed",)]  # claimed by A: no replica runs it again
    assert not query(
        database_url, "SELECT 1 FROM conversations WHERE id = :c", {"c": scale_conversation}
    )
    assert len(_scales(sandbox, before)) == 1
    with b.client("alice") as alice:
        again = alice.post(
            "/v1/tool-approvals/decision",
            json={"approval_id": pending["approval_id"], "approved": True},
        )
    assert again.status_code == 409
    assert len(_scales(sandbox, before)) == 1

    # B serves alice on: her conversation, a follow-up in it.
    scripted_llm.reset()  # drops the answer A never took
    scripted_llm.script(reply("Yes, 5 replicas of web are running."))
    with b.client("alice") as alice:
        listed = alice.get("/v1/conversations").json()["conversations"]
        assert {c["conversation_id"]: c["message_count"] for c in listed}[conversation] == 2
        assert scale_conversation not in {c["conversation_id"] for c in listed}
        follow_up = alice.post(
            "/v1/query", json={"query": "is web scaled?", "conversation_id": conversation}
        )
        assert follow_up.status_code == 200, follow_up.text
        history = alice.get(f"/v1/conversations/{conversation}").json()["chat_history"]
    assert [h["messages"][0]["content"] for h in history] == ["how are my pods?", "is web scaled?"]
    assert "All pods are running." in scripted_llm.requests[-1].text()
