// The ols web chat. Talks only to this origin's HTTP API (docs/service.md) with the user's
// bearer token, which lives in sessionStorage for this tab and nowhere else. Every piece of
// text from the model, a tool or the API is put on the page with textContent or through
// markdown.js, which builds DOM nodes the same way: nothing received becomes markup.

import { renderMarkdown } from "./markdown.js";

const TOKEN_KEY = "ols.token";
const RESULT_PREVIEW_CHARS = 1500;

const state = {
  token: null, // the pasted token; null when signed out or when a proxy adds it
  viaProxy: false, // the request headers are added by an OAuth proxy in front
  user: null,
  conversationId: null,
  busy: false, // a question or a decision is streaming
  waiting: null, // the Turn whose tool calls wait for the user's decisions
};

const $ = (id) => document.getElementById(id);

function el(tag, options = {}, ...children) {
  const node = document.createElement(tag);
  if (options.className) node.className = options.className;
  if (options.text !== undefined) node.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs || {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

// --- the API -------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, message, cause, retryAfter) {
    super(message);
    this.status = status;
    this.detailCause = cause;
    this.retryAfter = retryAfter;
  }
}

async function api(path, { method = "GET", body, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, "The service cannot be reached", String(error.message || error));
  }
  if (!response.ok) throw await apiError(response);
  return response;
}

async function apiError(response) {
  let message = response.statusText || "Request failed";
  let cause = "";
  try {
    const body = await response.json();
    const detail = body && body.detail;
    if (typeof detail === "string") message = detail;
    else if (detail && typeof detail === "object" && !Array.isArray(detail)) {
      message = String(detail.response || message);
      cause = String(detail.cause || "");
    } else if (Array.isArray(detail)) {
      message = "The request was not understood";
      cause = detail
        .map((d) => (d && d.msg) || "")
        .filter(Boolean)
        .join("; ");
    }
  } catch {
    // not JSON: keep the status text
  }
  return new ApiError(response.status, message, cause, response.headers.get("Retry-After"));
}

// Server-Sent Events from a fetch() body: yields each `data:` payload parsed as JSON.
async function* sseEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).replace(/^ /, ""))
        .join("\n");
      if (!data) continue;
      try {
        yield JSON.parse(data);
      } catch {
        // a frame that is not JSON is skipped, not fatal
      }
    }
  }
}

// --- banners -------------------------------------------------------------------------------

function showBanner(message, kind = "error") {
  $("banner-text").textContent = message;
  $("banner").dataset.kind = kind;
  $("banner").hidden = false;
}

function hideBanner() {
  $("banner").hidden = true;
  $("banner-text").textContent = "";
}

function explain(error) {
  const cause = error.detailCause ? ` (${error.detailCause})` : "";
  switch (error.status) {
    case 0:
      return `${error.message}${cause}. Check that ols is running, then try again.`;
    case 401:
      return "You are not signed in, or your session ended: sign in with your token.";
    case 403:
      return (
        "Access denied: the cluster rejected this token, or this user may not use ols " +
        `(it needs get on /ols-access). ${error.message}`
      );
    case 404:
      return `Not found: ${error.message}${cause}.`;
    case 409:
      return `${error.message}${cause}.`;
    case 413:
      return `Too large: ${error.message}${cause}.`;
    case 429: {
      const wait = error.retryAfter && !cause ? ` Try again in ${error.retryAfter} s.` : "";
      return `${error.message}${cause}.${wait}`;
    }
    case 503:
      return `The service cannot answer right now: ${error.message}${cause}.`;
    default:
      return `Error ${error.status}: ${error.message}${cause}.`;
  }
}

function report(error) {
  if (!(error instanceof ApiError)) {
    console.error(error);
    showBanner(`Something went wrong in the page: ${error.message || error}`);
    return;
  }
  if (error.status === 401 && !state.viaProxy) {
    signOut();
  }
  showBanner(explain(error));
}

// --- signing in ----------------------------------------------------------------------------

async function whoAmI() {
  const response = await api("/authorized", { method: "POST", body: {} });
  return response.json();
}

async function start() {
  wire();
  state.token = sessionStorage.getItem(TOKEN_KEY);
  if (state.token) {
    try {
      enterChat(await whoAmI());
    } catch (error) {
      showSignIn();
      report(error);
    }
    return;
  }
  // No token pasted: an OAuth proxy in front may add the header to every request.
  try {
    const user = await whoAmI();
    if (!user.skip_user_id_check) {
      state.viaProxy = true;
      enterChat(user);
      return;
    }
  } catch {
    // 401 without a token: ask for one
  }
  showSignIn();
}

async function signIn(event) {
  event.preventDefault();
  const input = $("token");
  const token = input.value.trim().replace(/^Bearer\s+/i, "");
  if (!token) return;
  hideBanner();
  state.token = token;
  try {
    const user = await whoAmI();
    sessionStorage.setItem(TOKEN_KEY, token);
    input.value = "";
    enterChat(user);
  } catch (error) {
    state.token = null;
    report(error);
    input.focus();
  }
}

function signOut() {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.user = null;
  state.conversationId = null;
  $("transcript").replaceChildren();
  $("conversation-list").replaceChildren();
  showSignIn();
}

function showSignIn() {
  $("chat-view").hidden = true;
  $("who").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-view").hidden = false;
  $("token").focus();
}

function enterChat(user) {
  state.user = user;
  $("username").textContent = user.username;
  $("who").hidden = false;
  $("sign-out").hidden = state.viaProxy;
  $("sign-in-view").hidden = true;
  $("chat-view").hidden = false;
  newConversation();
  refreshConversations();
}

// --- conversations -------------------------------------------------------------------------

async function refreshConversations() {
  let conversations;
  try {
    conversations = (await (await api("/v1/conversations")).json()).conversations || [];
  } catch (error) {
    report(error);
    return;
  }
  const list = $("conversation-list");
  list.replaceChildren(...conversations.map(conversationItem));
  $("no-conversations").hidden = conversations.length > 0;
}

function conversationItem(summary) {
  const id = summary.conversation_id;
  const title = summary.topic_summary || "Untitled conversation";
  const item = el("li", { className: "conversation", attrs: { "data-conversation-id": id } });
  if (id === state.conversationId) item.classList.add("current");
  const open = el("button", { className: "open", text: title, attrs: { type: "button" } });
  if (id === state.conversationId) open.setAttribute("aria-current", "true");
  open.addEventListener("click", () => openConversation(id));
  const rename = el("button", {
    className: "quiet rename",
    text: "Rename",
    attrs: { type: "button", "aria-label": `Rename “${title}”` },
  });
  rename.addEventListener("click", () => startRename(item, id, title));
  const remove = el("button", {
    className: "quiet delete",
    text: "Delete",
    attrs: { type: "button", "aria-label": `Delete “${title}”` },
  });
  remove.addEventListener("click", () => deleteConversation(id, title));
  item.append(open, el("span", { className: "actions" }, rename, remove));
  return item;
}

function startRename(item, id, title) {
  const form = el("form", { className: "rename-form" });
  const input = el("input", {
    attrs: { type: "text", maxlength: "1000", required: "", "aria-label": "New name" },
  });
  input.value = title;
  const save = el("button", { text: "Save", attrs: { type: "submit" } });
  const cancel = el("button", { className: "quiet", text: "Cancel", attrs: { type: "button" } });
  cancel.addEventListener("click", () => refreshConversations());
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") refreshConversations();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const topic = input.value.trim();
    if (!topic) return;
    try {
      await api(`/v1/conversations/${encodeURIComponent(id)}`, {
        method: "PUT",
        body: { topic_summary: topic },
      });
    } catch (error) {
      report(error);
    }
    await refreshConversations();
    const moved = document.querySelector(`[data-conversation-id="${CSS.escape(id)}"] .open`);
    if (moved) moved.focus();
  });
  form.append(input, save, cancel);
  item.replaceChildren(form);
  input.focus();
  input.select();
}

async function deleteConversation(id, title) {
  if (!window.confirm(`Delete the conversation “${title}”? This cannot be undone.`)) return;
  try {
    await api(`/v1/conversations/${encodeURIComponent(id)}`, { method: "DELETE" });
  } catch (error) {
    report(error);
  }
  if (state.conversationId === id) newConversation();
  await refreshConversations();
  $("new-chat").focus();
}

async function openConversation(id) {
  if (state.busy) return;
  hideBanner();
  let conversation;
  try {
    conversation = await (await api(`/v1/conversations/${encodeURIComponent(id)}`)).json();
  } catch (error) {
    report(error);
    return;
  }
  state.conversationId = id;
  state.waiting = null;
  const transcript = $("transcript");
  transcript.replaceChildren();
  for (const entry of conversation.chat_history || []) {
    const messages = entry.messages || [];
    const question = (messages.find((m) => m.type === "user") || {}).content || "";
    const answer = (messages.find((m) => m.type === "assistant") || {}).content || "";
    const turn = new Turn(question);
    for (const call of entry.tool_calls || []) turn.toolCall(call);
    for (const result of entry.tool_results || []) turn.toolResult(result);
    turn.appendText(answer);
    turn.finish();
  }
  markCurrent();
  $("question").focus();
}

function markCurrent() {
  for (const item of document.querySelectorAll("#conversation-list .conversation")) {
    const current = item.dataset.conversationId === state.conversationId;
    item.classList.toggle("current", current);
    const open = item.querySelector(".open");
    if (open) {
      if (current) open.setAttribute("aria-current", "true");
      else open.removeAttribute("aria-current");
    }
  }
}

function newConversation() {
  state.conversationId = null;
  state.waiting = null;
  $("transcript").replaceChildren();
  markCurrent();
}

// --- one turn on the page ------------------------------------------------------------------

class Turn {
  constructor(question) {
    this.question = question;
    this.answer = "";
    this.cards = new Map();
    this.renderScheduled = false;
    this.node = el("li", { className: "turn" });
    const asked = el("section", {
      className: "message user",
      attrs: { "aria-label": "You asked" },
    });
    asked.append(
      el("p", { className: "who-said", text: "You" }),
      el("p", { className: "question", text: question }),
    );
    this.steps = el("div", { className: "steps" });
    this.answerNode = el("div", { className: "answer markdown" });
    this.status = el("p", { className: "turn-status", attrs: { role: "status" } });
    this.footer = el("div", { className: "turn-footer" });
    const replied = el(
      "section",
      { className: "message assistant", attrs: { "aria-label": "ols answered" } },
      el("p", { className: "who-said", text: "ols" }),
      this.steps,
      this.answerNode,
      this.status,
      this.footer,
    );
    this.node.append(asked, replied);
    $("transcript").append(this.node);
  }

  working(text) {
    this.status.textContent = text;
    this.status.classList.toggle("working", Boolean(text));
  }

  appendText(text) {
    if (!text) return;
    this.answer += text;
    if (this.renderScheduled) return;
    this.renderScheduled = true;
    requestAnimationFrame(() => {
      this.renderScheduled = false;
      this.answerNode.replaceChildren(renderMarkdown(this.answer));
    });
  }

  flushText() {
    this.answerNode.replaceChildren(renderMarkdown(this.answer));
  }

  toolCall(call) {
    const card = new ToolCard(call);
    this.cards.set(call.id, card);
    this.steps.append(card.node);
    return card;
  }

  toolResult(result) {
    let card = this.cards.get(result.id);
    if (!card)
      card = this.toolCall({ id: result.id, name: result.name, args: {}, round: result.round });
    card.result(result);
  }

  approval(pending) {
    const card = this.cards.get(pending.call_id);
    if (card) card.setStatus("waiting", "awaiting approval");
    this.steps.append(new ApprovalCard(pending, this).node);
  }

  // Drive the turn from a stream of the API's events until it ends or waits for approvals.
  async follow(response) {
    let ended = false;
    let waiting = 0;
    for await (const event of sseEvents(response)) {
      const data = event.data || {};
      switch (event.event) {
        case "start":
          if (data.conversation_id) state.conversationId = data.conversation_id;
          break;
        case "token":
          this.appendText(String(data.token ?? ""));
          break;
        case "tool_call":
          this.toolCall(data);
          this.working(`Running ${data.name}…`);
          break;
        case "tool_result":
          this.toolResult(data);
          this.working("Thinking…");
          break;
        case "approval_required":
          waiting += 1;
          this.approval(data);
          break;
        case "error":
          if (state.waiting === this) state.waiting = null;
          this.flushText();
          this.working("");
          showBanner(
            explain(
              new ApiError(
                data.status_code || 500,
                data.response || "The answer failed",
                data.cause || "",
              ),
            ),
          );
          this.footer.append(el("p", { className: "failed", text: "This answer did not finish." }));
          return;
        case "end":
          ended = true;
          break;
        default:
          break;
      }
    }
    this.flushText();
    if (!ended) {
      if (state.waiting === this) state.waiting = null;
      this.working("");
      showBanner("The answer stopped before it ended: the connection was closed. Ask again.");
      return;
    }
    if (waiting) {
      state.waiting = this;
      this.working(
        waiting === 1 ? "Waiting for your decision." : `Waiting for your ${waiting} decisions.`,
      );
      const first = this.steps.querySelector(".approval button.approve");
      if (first) first.focus();
      return;
    }
    this.finish();
    refreshConversations();
  }

  finish() {
    if (state.waiting === this) state.waiting = null;
    this.flushText();
    this.working("");
    if (!this.answer)
      this.answerNode.append(el("p", { className: "help", text: "(no answer text)" }));
    this.footer.replaceChildren(feedbackControls(this, state.conversationId));
  }
}

class ToolCard {
  constructor(call) {
    this.call = call;
    const name = String(call.name ?? "tool");
    this.node = el("article", {
      className: "card tool",
      attrs: {
        "data-call-id": String(call.id ?? ""),
        "data-tool": name,
        "aria-label": `Tool call ${name}`,
      },
    });
    this.statusNode = el("span", { className: "status" });
    const head = el(
      "header",
      {},
      el("span", { className: "kind", text: "Tool" }),
      el("code", { className: "tool-name", text: name }),
      call.round ? el("span", { className: "round", text: `round ${call.round}` }) : null,
      this.statusNode,
    );
    const args = el("pre", { className: "args", attrs: { "aria-label": "Arguments" } });
    args.textContent = JSON.stringify(call.args ?? {}, null, 2);
    this.node.append(head, args);
    this.setStatus("running", "running");
  }

  setStatus(kind, text) {
    this.statusNode.dataset.status = kind;
    this.statusNode.textContent = text;
    this.node.dataset.status = kind;
  }

  result(result) {
    const content = String(result.content ?? "");
    const ok = result.status === "success";
    if (ok) this.setStatus("success", "done");
    else if (result.error === "declined") this.setStatus("declined", "rejected");
    else this.setStatus("error", result.error ? `error: ${result.error}` : "error");
    const details = el("details", { className: "result" });
    const summary = el("summary", {
      text: `Result (${content.length.toLocaleString()} characters)`,
    });
    const body = el("pre", { className: "result-text" });
    details.append(summary, body);
    if (content.length > RESULT_PREVIEW_CHARS) {
      body.textContent = `${content.slice(0, RESULT_PREVIEW_CHARS)}\n…`;
      const more = el("button", {
        className: "quiet show-all",
        text: "Show all",
        attrs: { type: "button" },
      });
      more.addEventListener("click", () => {
        body.textContent = content;
        more.remove();
        body.focus();
      });
      body.setAttribute("tabindex", "-1");
      details.append(more);
    } else {
      body.textContent = content;
    }
    const previous = this.node.querySelector("details.result");
    if (previous) previous.replaceWith(details);
    else this.node.append(details);
  }
}

class ApprovalCard {
  constructor(pending, turn) {
    this.pending = pending;
    this.turn = turn;
    const name = String(pending.tool_name ?? "tool");
    const headingId = `approval-${String(pending.approval_id).replace(/[^\w-]/g, "")}`;
    this.node = el("article", {
      className: "card approval",
      attrs: { "aria-labelledby": headingId, "data-approval-id": String(pending.approval_id) },
    });
    const heading = el(
      "h3",
      { attrs: { id: headingId } },
      document.createTextNode("Approve "),
      el("code", { text: name }),
      document.createTextNode("?"),
    );
    const annotation = pending.tool_annotation || {};
    const kind = annotation.destructiveHint
      ? "may change or delete things in the cluster"
      : annotation.readOnlyHint === true
        ? "only reads"
        : "may change the cluster";
    const description = el("p", {
      className: "description",
      text: String(pending.tool_description ?? ""),
    });
    const flags = el("p", {
      className: "flags",
      text: `This call ${kind}. If you approve, it runs once, with your permissions, exactly as shown:`,
    });
    const args = el("pre", { className: "args", attrs: { "aria-label": "Exact arguments" } });
    args.textContent = JSON.stringify(pending.tool_args ?? {}, null, 2);
    const reasonId = `${headingId}-reason`;
    this.reason = el("input", {
      attrs: { id: reasonId, type: "text", maxlength: "2000", autocomplete: "off" },
    });
    const reasonLabel = el("label", { text: "Reason (optional)", attrs: { for: reasonId } });
    this.approveButton = el("button", {
      className: "approve",
      text: "Approve",
      attrs: { type: "button" },
    });
    this.rejectButton = el("button", {
      className: "reject",
      text: "Reject",
      attrs: { type: "button" },
    });
    this.approveButton.addEventListener("click", () => this.decide(true));
    this.rejectButton.addEventListener("click", () => this.decide(false));
    this.outcome = el("p", { className: "outcome", attrs: { role: "status" } });
    this.controls = el(
      "div",
      { className: "decision" },
      reasonLabel,
      this.reason,
      el("div", { className: "buttons" }, this.approveButton, this.rejectButton),
    );
    this.node.append(heading, description, flags, args, this.controls, this.outcome);
  }

  async decide(approved) {
    this.approveButton.disabled = true;
    this.rejectButton.disabled = true;
    hideBanner();
    const body = { approval_id: this.pending.approval_id, approved };
    const reason = this.reason.value.trim();
    if (reason) body.reason = reason;
    this.outcome.textContent = approved ? "Approving…" : "Rejecting…";
    let response;
    try {
      response = await api("/v1/tool-approvals/decision", {
        method: "POST",
        body,
        accept: "text/event-stream, application/json",
      });
    } catch (error) {
      this.outcome.textContent = "The decision was not taken.";
      if (error.status !== 409 && error.status !== 404) {
        this.approveButton.disabled = false;
        this.rejectButton.disabled = false;
      }
      report(error);
      return;
    }
    this.node.dataset.decision = approved ? "approved" : "rejected";
    this.controls.remove();
    this.outcome.textContent = approved
      ? "Approved: it runs with your permissions."
      : `Rejected${reason ? `: ${reason}` : ""}.`;
    const call = this.turn.cards.get(this.pending.call_id);
    // It runs (or is reported as declined) when the turn continues, after the last decision.
    if (call) call.setStatus(approved ? "waiting" : "declined", approved ? "approved" : "rejected");
    if ((response.headers.get("Content-Type") || "").includes("text/event-stream")) {
      state.busy = true;
      setAsking(true);
      this.turn.working("Continuing…");
      try {
        await this.turn.follow(response);
      } catch (error) {
        report(error);
      } finally {
        state.busy = false;
        setAsking(false);
      }
    } else {
      const progress = await response.json();
      const remaining = Number(progress.remaining || 0);
      this.turn.working(`Waiting for ${remaining} more decision${remaining === 1 ? "" : "s"}.`);
    }
  }
}

function feedbackControls(turn, conversationId) {
  const box = el("div", {
    className: "feedback",
    attrs: { role: "group", "aria-label": "Was this answer useful?" },
  });
  if (!conversationId) return box;
  const note = el("span", { className: "feedback-note", attrs: { role: "status" } });
  const send = async (sentiment, button, other) => {
    try {
      await api("/v1/feedback", {
        method: "POST",
        body: {
          conversation_id: conversationId,
          user_question: turn.question,
          llm_response: turn.answer,
          sentiment,
        },
      });
    } catch (error) {
      report(error);
      return;
    }
    button.setAttribute("aria-pressed", "true");
    other.setAttribute("aria-pressed", "false");
    note.textContent = "Thanks for the feedback.";
  };
  const up = el("button", {
    className: "quiet thumb up",
    attrs: { type: "button", "aria-label": "Good answer", "aria-pressed": "false" },
  });
  const down = el("button", {
    className: "quiet thumb down",
    attrs: { type: "button", "aria-label": "Bad answer", "aria-pressed": "false" },
  });
  up.addEventListener("click", () => send(1, up, down));
  down.addEventListener("click", () => send(-1, down, up));
  box.append(up, down, note);
  return box;
}

// --- asking --------------------------------------------------------------------------------

function setAsking(busy) {
  $("ask-button").disabled = busy;
  $("ask-form").setAttribute("aria-busy", busy ? "true" : "false");
}

async function ask(event) {
  event.preventDefault();
  if (state.busy) return;
  const input = $("question");
  const question = input.value.trim();
  if (!question) return;
  if (state.waiting) {
    // The conversation continues only after the decisions; it is saved when the turn ends.
    showBanner(
      "Approve or reject the pending tool calls first, or start a new conversation.",
      "info",
    );
    return;
  }
  hideBanner();
  state.busy = true;
  setAsking(true);
  const body = { query: question, media_type: "application/json" };
  if (state.conversationId) body.conversation_id = state.conversationId;
  let response;
  try {
    response = await api("/v1/streaming_query", {
      method: "POST",
      body,
      accept: "text/event-stream",
    });
  } catch (error) {
    state.busy = false;
    setAsking(false);
    report(error);
    return;
  }
  input.value = "";
  const turn = new Turn(question);
  turn.working("Thinking…");
  try {
    await turn.follow(response);
  } catch (error) {
    turn.working("");
    report(error);
  } finally {
    state.busy = false;
    setAsking(false);
    markCurrent();
  }
}

function wire() {
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("banner-close").addEventListener("click", hideBanner);
  $("new-chat").addEventListener("click", () => {
    newConversation();
    $("question").focus();
  });
  $("ask-form").addEventListener("submit", ask);
  $("question").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("ask-form").requestSubmit();
    }
  });
}

start();
