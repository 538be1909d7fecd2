// The chat page: plain JavaScript, no build step. A prompt opens an EventSource on
// GET /api/generate; each event is a chunk of the Generate stream ({ text, token_ids,
// finish_reason, usage }); `done` ends it. Stop closes the EventSource: the server sees the
// connection close and cancels the generation.
const $ = (id) => document.getElementById(id);
const form = $("ask"), prompt = $("prompt"), send = $("send"), stop = $("stop"), status = $("status"), log = $("log");

/** The generation in progress: { source, turn, tokens, url } or null. */
let current = null;

form.addEventListener("submit", (e) => {
  e.preventDefault();
  start();
});
stop.addEventListener("click", () => finish("stopped", "Stopped."));
prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    start();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && current) finish("stopped", "Stopped.");
});

function start() {
  const text = prompt.value.trim();
  if (current || text === "") {
    if (text === "") say("Type a prompt first.");
    return;
  }
  const params = new URLSearchParams({ prompt: text });
  for (const name of ["max_tokens", "temperature", "seed"]) {
    const v = $(name).value.trim();
    if (v !== "") params.set(name, v);
  }
  const url = "/api/generate?" + params;
  const turn = addTurn(text);
  const source = new EventSource(url);
  current = { source, turn, tokens: 0, url, reason: "" };
  setBusy(true);
  say("Generating…");
  source.onmessage = onChunk;
  source.addEventListener("done", () => finish("done"));
  source.addEventListener("error", onError);
}

function onChunk(e) {
  if (!current) return;
  const chunk = JSON.parse(e.data);
  const text = chunk.text ?? "";
  // The model continues the prompt, so its first piece usually starts with a space.
  current.turn.text.data += current.turn.text.data === "" ? text.trimStart() : text;
  current.tokens += (chunk.token_ids ?? chunk.tokenIds ?? []).length;
  current.reason = chunk.finish_reason ?? chunk.finishReason ?? current.reason;
  current.turn.meta.textContent = `${current.tokens} tokens`;
  keepScrolled();
}

async function onError(e) {
  if (!current) return;
  if (e.data) { // an `event: error` from the server: { code, status, message }
    let message = e.data;
    try {
      const body = JSON.parse(e.data);
      message = body.message ?? body.error?.message ?? message;
    } catch { /* keep the raw text */ }
    return finish("error", `Error: ${message}`);
  }
  // The connection failed or was refused. Don't let EventSource reconnect: that would start again.
  const { url, tokens } = current;
  current.source.close();
  if (tokens > 0) return finish("error", "The connection was lost.");
  finish("error", await refusal(url));
}

/** Why the server refused a stream before its first event (EventSource does not say). */
async function refusal(url) {
  try {
    const res = await fetch(url, { headers: { accept: "application/json" } });
    if (res.headers.get("content-type")?.startsWith("application/json")) {
      const body = await res.json();
      return `Error ${res.status}: ${body.error?.message ?? res.statusText}`;
    }
    await res.body?.cancel();
    return `The server answered ${res.status}.`;
  } catch {
    return "The server cannot be reached.";
  }
}

function finish(kind, message) {
  if (!current) return;
  const { source, turn, tokens, reason } = current;
  source.close();
  current = null;
  turn.answer.setAttribute("aria-busy", "false");
  turn.answer.dataset.state = kind;
  const why = kind === "done" ? (reason === "length" ? "max tokens reached" : "end of text") : kind;
  turn.meta.textContent = kind === "error" && tokens === 0 ? message : `${tokens} tokens · ${why}`;
  if (kind === "error") turn.meta.classList.add("error");
  if (turn.text.data === "") turn.answer.hidden = true;
  setBusy(false);
  say(message ?? `Done: ${tokens} tokens.`);
  prompt.focus();
}

function addTurn(text) {
  $("empty")?.remove();
  const article = el("article", "turn");
  const you = el("p", "bubble you");
  you.textContent = text;
  const answer = el("p", "bubble model");
  answer.setAttribute("aria-busy", "true");
  answer.setAttribute("aria-label", "Answer");
  const body = document.createTextNode("");
  answer.append(body);
  const meta = el("p", "meta");
  article.append(you, answer, meta);
  log.append(article);
  keepScrolled(true);
  return { answer, text: body, meta };
}

function el(tag, className) {
  const node = document.createElement(tag);
  node.className = className;
  return node;
}

function setBusy(busy) {
  send.disabled = busy;
  stop.disabled = !busy;
  log.setAttribute("aria-busy", String(busy));
}

function say(text) {
  status.textContent = text;
}

/** Follow the answer while the reader is at the bottom of the page. */
function keepScrolled(force = false) {
  const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
  if (force || nearBottom) window.scrollTo({ top: document.body.scrollHeight });
}
