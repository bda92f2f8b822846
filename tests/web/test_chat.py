"""The web chat as a person uses it: sign in, ask, watch the tools run, approve or reject,
manage conversations, in headless Chromium against the real service and sandbox."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from playwright.sync_api import Page, expect

from tests.support.scripted_llm import ScriptedLLM, delay, reply, tool_calls
from tests.support.service import ServiceHandle
from tests.web.conftest import NewPage, ask, screenshot, sign_in

CRASHING_POD = "api-5f6b8c9d47-x7kqp"
CRASH_QUESTION = "Why is the api pod in team-a crash-looping?"
CRASH_ANSWER = (
    "The **api** container exits at start because `DATABASE_URL` is unset:\n\n"
    "1. set `DATABASE_URL` in the deployment\n"
    "2. roll it out again\n"
)
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


def _replicas(service: ServiceHandle) -> int:
    with service.sandbox.client("admin") as admin:
        return int(admin.get(DEPLOYMENT).json()["spec"]["replicas"])


def _set_replicas(service: ServiceHandle, replicas: int) -> None:
    with service.sandbox.client("admin") as admin:
        response = admin.patch(
            DEPLOYMENT + "/scale",
            content=json.dumps({"spec": {"replicas": replicas}}),
            headers={"Content-Type": "application/merge-patch+json"},
        )
    assert response.status_code == 200, response.text


def _card_args(card: Any) -> Any:
    return json.loads(card.locator("pre.args").text_content())


def _wait_for_answer(page: Page) -> None:
    """A turn has ended when its feedback buttons appear."""
    expect(page.locator(".turn").last.get_by_role("button", name="Good answer")).to_be_visible()


def test_alice_asks_why_a_pod_crash_loops(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    page.goto(web_service.url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "01-sign-in")
    sign_in(page, web_service, "alice")
    # The token lives in this tab's session storage only.
    stored = page.evaluate(
        "() => [sessionStorage.getItem('ols.token'), localStorage.length, document.cookie]"
    )
    assert stored == [web_service.sandbox.token("alice"), 0, ""]

    scripted_llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-a"})),
        tool_calls(("pods_log", {"name": CRASHING_POD, "namespace": "team-a", "previous": True})),
        reply(CRASH_ANSWER),
    )
    ask(page, CRASH_QUESTION)
    _wait_for_answer(page)
    screenshot(page, "02-crash-loop-answer")

    cards = page.locator(".turn .card.tool")
    expect(cards).to_have_count(2)
    assert [cards.nth(i).get_attribute("data-tool") for i in range(2)] == [
        "pods_list_in_namespace",
        "pods_log",
    ]
    assert _card_args(cards.nth(0)) == {"namespace": "team-a"}
    assert _card_args(cards.nth(1)) == {
        "name": CRASHING_POD,
        "namespace": "team-a",
        "previous": True,
    }
    expect(cards.nth(0).locator(".round")).to_have_text("round 1")
    expect(cards.nth(1).locator(".round")).to_have_text("round 2")
    for i in range(2):
        expect(cards.nth(i).locator(".status")).to_have_text("done")
        # Results are collapsed until asked for.
        expect(cards.nth(i).locator("details.result")).not_to_have_attribute("open", "")
        expect(cards.nth(i).locator(".result-text")).not_to_be_visible()
    cards.nth(1).locator("summary").click()
    expect(cards.nth(1).locator(".result-text")).to_contain_text("DATABASE_URL")
    screenshot(page, "03-tool-result-open")

    answer = page.locator(".turn .answer")
    expect(answer.locator("strong")).to_have_text("api")
    expect(answer.locator("code").first).to_have_text("DATABASE_URL")
    expect(answer.locator("ol > li")).to_have_count(2)
    assert "**" not in answer.text_content()

    # The conversation is in alice's list under its question.
    expect(page.locator("#conversation-list .open")).to_contain_text([CRASH_QUESTION])

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("() => sessionStorage.length") == 0
    expect(page.locator(".turn")).to_have_count(0)


def test_a_tool_card_shows_while_the_model_is_still_thinking(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    sign_in(page, web_service, "alice")
    scripted_llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-a"})),
        delay(4, reply("Five pods.")),
    )
    ask(page, "What runs in team-a?")
    card = page.locator(".card.tool")
    # The card and its result are on the page while the next answer has not been written.
    expect(card.locator(".status")).to_have_text("done")
    expect(page.locator(".turn-status")).to_have_text("Thinking…")
    assert page.locator(".turn .answer").text_content() == ""
    screenshot(page, "02b-tool-ran-model-thinking")
    expect(page.locator(".turn .answer")).to_have_text("Five pods.")


def test_two_approvals_in_one_round_continue_after_the_last(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    _set_replicas(web_service, 3)
    page = new_page()
    sign_in(page, web_service, "alice")
    restart = ("pods_delete", {"name": "web-7d9c8b6f5d-4xk2p", "namespace": "team-a"})
    scripted_llm.script(tool_calls(SCALE, restart))
    ask(page, "Scale web to 5 and restart one of its pods")
    approvals = page.locator(".card.approval")
    expect(approvals).to_have_count(2)
    assert [_card_args(approvals.nth(i)) for i in range(2)] == [SCALE[1], restart[1]]
    approvals.nth(0).get_by_role("button", name="Approve").click()
    expect(approvals.nth(0).locator(".outcome")).to_contain_text("Approved")
    expect(page.locator(".turn-status")).to_have_text("Waiting for 1 more decision.")
    expect(page.locator('.card.tool[data-tool="resources_scale"] .status')).to_have_text("approved")
    assert _replicas(web_service) == 3  # nothing runs before the last decision
    scripted_llm.script(reply("Scaled web to 5; left the pod alone."))
    approvals.nth(1).get_by_role("button", name="Reject").click()
    _wait_for_answer(page)
    screenshot(page, "05b-two-approvals")
    expect(page.locator('.card.tool[data-tool="resources_scale"] .status')).to_have_text("done")
    expect(page.locator('.card.tool[data-tool="pods_delete"] .status')).to_have_text("rejected")
    assert _replicas(web_service) == 5
    with web_service.sandbox.client("admin") as admin:
        assert admin.get("/api/v1/namespaces/team-a/pods/web-7d9c8b6f5d-4xk2p").status_code == 200
    _set_replicas(web_service, 3)


def test_alice_approves_a_scale_in_the_page(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    _set_replicas(web_service, 3)
    page = new_page()
    sign_in(page, web_service, "alice")
    scripted_llm.script(tool_calls(("pods_list_in_namespace", {"namespace": "team-a"}), SCALE))
    ask(page, "Scale web in team-a to 5 replicas")

    approval = page.locator(".card.approval")
    expect(approval).to_be_visible()
    expect(approval.get_by_role("heading")).to_have_text("Approve resources_scale?")
    assert _card_args(approval) == SCALE[1]
    scale_card = page.locator('.card.tool[data-tool="resources_scale"]')
    expect(scale_card.locator(".status")).to_have_text("awaiting approval")
    expect(page.locator('.card.tool[data-tool="pods_list_in_namespace"] .status')).to_have_text(
        "done"
    )
    expect(approval.get_by_role("button", name="Approve")).to_be_focused()
    screenshot(page, "04-approval-pending")
    assert _replicas(web_service) == 3  # nothing ran yet

    scripted_llm.script(reply("Done: **web** now runs 5 replicas."))
    approval.get_by_role("button", name="Approve").click()
    _wait_for_answer(page)
    screenshot(page, "05-approved-and-answered")
    expect(approval.locator(".outcome")).to_contain_text("Approved")
    expect(scale_card.locator(".status")).to_have_text("done")
    expect(page.locator(".turn .answer")).to_have_text("Done: web now runs 5 replicas.")
    assert _replicas(web_service) == 5
    # The scale went to the sandbox as alice.
    scaled = [e for e in web_service.sandbox.audit() if e.get("subresource") == "scale"]
    assert scaled and scaled[-1]["user"] == "alice"
    _set_replicas(web_service, 3)


def test_alice_rejects_a_scale_with_a_reason(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    _set_replicas(web_service, 3)
    before = len(web_service.sandbox.audit())
    page = new_page()
    sign_in(page, web_service, "alice")
    scripted_llm.script(tool_calls(SCALE))
    ask(page, "Scale web in team-a to 5 replicas")
    approval = page.locator(".card.approval")
    expect(approval.get_by_role("button", name="Approve")).to_be_focused()
    # The turn waits for the decision; a new question in it has to wait too.
    page.get_by_label("Your question").fill("and another thing")
    page.get_by_label("Your question").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Approve or reject the pending tool calls")
    expect(page.locator(".turn")).to_have_count(1)
    approval.get_by_label("Reason (optional)").fill("not during the release freeze")
    scripted_llm.script(reply("Understood, I left web alone."))
    approval.get_by_role("button", name="Reject").click()
    _wait_for_answer(page)
    screenshot(page, "06-rejected")
    expect(approval.locator(".outcome")).to_have_text("Rejected: not during the release freeze.")
    scale_card = page.locator('.card.tool[data-tool="resources_scale"]')
    expect(scale_card.locator(".status")).to_have_text("rejected")
    scale_card.locator("summary").click()
    expect(scale_card.locator(".result-text")).to_contain_text("declined")
    expect(page.locator(".turn .answer")).to_have_text("Understood, I left web alone.")
    assert "release freeze" in scripted_llm.requests[-1].text()
    assert _replicas(web_service) == 3
    assert not [e for e in web_service.sandbox.audit()[before:] if e.get("subresource") == "scale"]


def test_a_pod_log_with_markup_renders_as_text(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    sign_in(page, web_service, "alice")
    scripted_llm.script(
        tool_calls(("pods_log", {"name": "guestbook-0", "namespace": "team-a"})),
        # The model repeats the markup too: its text is no safer than the tool's.
        reply(
            "The log has an entry `<script>` and <script>window.olsInjected = 'answer'</script>"
            " and [a link](javascript:window.olsInjected='answer-link') <b>bold</b>."
        ),
    )
    ask(page, "What does guestbook-0 log?")
    _wait_for_answer(page)
    card = page.locator('.card.tool[data-tool="pods_log"]')
    card.locator("summary").click()
    result = card.locator(".result-text")
    expect(result).to_contain_text("<script>window.olsInjected = 'script'</script>")
    expect(result).not_to_contain_text("end of the guestbook log")  # truncated at first
    card.get_by_role("button", name="Show all").click()
    expect(result).to_contain_text("end of the guestbook log")
    screenshot(page, "07-markup-as-text")

    answer = page.locator(".turn .answer")
    expect(answer).to_contain_text("<script>window.olsInjected = 'answer'</script>")
    expect(answer).to_contain_text("<b>bold</b>")
    assert answer.locator("a").count() == 0  # a javascript: link stays text
    # Nothing from the log or the answer became an element, and nothing ran.
    assert page.evaluate("() => window.olsInjected") is None
    assert page.locator("main script, main img, main b").count() == 0
    assert page.locator("script").count() == 1  # the page's own module


def test_bob_does_not_see_alices_conversations(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    alice = new_page()
    sign_in(alice, web_service, "alice")
    scripted_llm.script(reply("alice's private answer"))
    ask(alice, "alice's private question")
    _wait_for_answer(alice)
    expect(alice.locator("#conversation-list .open")).to_contain_text(["alice's private question"])

    alices = alice.locator("#conversation-list .conversation").first.get_attribute(
        "data-conversation-id"
    )

    bob = new_page()
    sign_in(bob, web_service, "bob")
    with web_service.client("bob") as client:
        bobs = [
            c["conversation_id"] for c in client.get("/v1/conversations").json()["conversations"]
        ]
    expect(bob.locator("#conversation-list .conversation")).to_have_count(len(bobs))
    expect(bob.locator("#no-conversations")).to_be_visible(visible=not bobs)
    screenshot(bob, "08-bob-signed-in")
    assert alices not in bobs
    assert bob.locator(f'[data-conversation-id="{alices}"]').count() == 0
    assert "alice" not in bob.locator("#conversation-list").inner_text()


def test_conversations_open_rename_delete_and_feedback(
    web_service: ServiceHandle, scripted_llm: ScriptedLLM, new_page: NewPage
) -> None:
    page = new_page()
    sign_in(page, web_service, "bob")
    scripted_llm.script(
        tool_calls(("pods_list_in_namespace", {"namespace": "team-b"})),
        reply("team-b runs **analytics-0**, which is Pending."),
    )
    ask(page, "What runs in team-b?")
    _wait_for_answer(page)
    conversation_id = page.locator("#conversation-list .conversation").first.get_attribute(
        "data-conversation-id"
    )
    assert conversation_id

    page.get_by_role("button", name="Good answer").click()
    expect(page.locator(".feedback-note")).to_have_text("Thanks for the feedback.")
    expect(page.get_by_role("button", name="Good answer")).to_have_attribute("aria-pressed", "true")
    url = web_service.server.config.app.state.services.config.database.url
    database = sqlite3.connect(url.removeprefix("sqlite:///"))
    rows = database.execute(
        "SELECT conversation_id, user_question, llm_response, sentiment FROM feedback"
    ).fetchall()
    database.close()
    assert (
        conversation_id,
        "What runs in team-b?",
        "team-b runs **analytics-0**, which is Pending.",
        1,
    ) in rows

    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".turn")).to_have_count(0)
    page.locator("#conversation-list .open").first.click()
    expect(page.locator(".turn .question")).to_have_text("What runs in team-b?")
    expect(page.locator(".card.tool")).to_have_attribute("data-tool", "pods_list_in_namespace")
    expect(page.locator(".turn .answer strong")).to_have_text("analytics-0")

    page.get_by_role("button", name="Rename “What runs in team-b?”").click()
    name = page.get_by_label("New name")
    name.fill("team-b inventory")
    name.press("Enter")
    expect(page.locator("#conversation-list .open").first).to_have_text("team-b inventory")
    with web_service.client("bob") as bob:
        listed = bob.get("/v1/conversations").json()["conversations"]
    assert {c["conversation_id"]: c["topic_summary"] for c in listed}[conversation_id] == (
        "team-b inventory"
    )
    screenshot(page, "09-renamed")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete “team-b inventory”").click()
    expect(page.locator(f'[data-conversation-id="{conversation_id}"]')).to_have_count(0)
    expect(page.locator(".turn")).to_have_count(0)
    with web_service.client("bob") as bob:
        assert bob.get(f"/v1/conversations/{conversation_id}").status_code == 404
