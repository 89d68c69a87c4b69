/*
 * Pause & Check chat widget: one script tag, no CDN.
 *
 *   <script src="http://localhost:8000/widget/pause-check-widget.js"
 *           data-server="http://localhost:5005" data-title="Pause & Check" data-accent="#1f5f8b"
 *           data-target="#chat" defer></script>
 *
 * Talks to Rasa's REST channel (each message carries a message id, so a retry after a network error is recorded
 * once), keeps a random pseudonymous learner id and the conversation in localStorage, renders bot messages as
 * sanitized Markdown and learner messages as plain text, and shows per-module progress bars.
 */
import DOMPurify from "dompurify";
import { marked } from "marked";

const script = document.currentScript;
const config = {
  server: (script.dataset.server || "http://localhost:5005").replace(/\/$/, ""),
  api: (script.dataset.api || new URL(script.src).origin).replace(/\/$/, ""),
  title: script.dataset.title || "Pause & Check",
  accent: script.dataset.accent || "",
  target: script.dataset.target || "",
};
const assetBase = new URL(".", script.src).href;

const STORAGE = {
  learner: "pauseCheck.learnerId",
  history: (id) => `pauseCheck.history.${id}`,
  lastActive: (id) => `pauseCheck.lastActive.${id}`,
};
const MAX_HISTORY = 300;
const GREET_AFTER_MS = 30 * 60 * 1000; // greet again (welcome back) after half an hour away
const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 10000];

// Links open in a new tab and cannot reach back into this page.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});
const SANITIZE = {
  ALLOWED_TAGS: ["p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "code", "blockquote"],
  ALLOWED_ATTR: ["href"],
  ALLOWED_URI_REGEXP: /^https?:\/\//i,
};

function renderMarkdown(text) {
  return DOMPurify.sanitize(marked.parse(text, { gfm: true, breaks: true, async: false }), SANITIZE);
}

function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function el(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function practiceCard(card) {
  /* A practice post as a mock social-media post, read in order by a screen reader: heading, who posted it and
     when, the caption, the image placeholder (never a photo), the counts and the replies. Text only: every field
     goes in with textContent. */
  const post = card.post || {};
  const replies = el("ul", { class: "replies", "aria-label": "Replies" },
    (post.replies || []).map((reply) => el("li", {}, [el("span", { class: "handle", text: reply.handle }),
                                                     document.createTextNode(` ${reply.text}`)])));
  return el("article", { class: "card", "aria-label": `Practice post by ${post.display_name}` }, [
    el("p", { class: "card-heading", text: card.heading || "" }),
    el("p", { class: "card-prompt", text: card.prompt || "" }),
    el("div", { class: "post" }, [
      el("header", { class: "post-author" }, [
        el("span", { class: "avatar", "aria-hidden": "true", text: (post.display_name || "?").slice(0, 1) }),
        el("div", {}, [el("p", { class: "name", text: post.display_name }),
                       el("p", { class: "meta", text: `${post.handle} · ${post.posted}` })]),
      ]),
      el("p", { class: "meta account", text: `Account: ${post.account_age} · ${post.followers}` }),
      el("p", { class: "caption", text: post.caption }),
      el("div", { class: "placeholder", role: "img", "aria-label": post.image }, [el("span", { text: post.image })]),
      el("p", { class: "meta counts", text: `♥ ${post.likes} · ↻ ${post.reshares}` }),
      replies,
    ]),
    el("p", { class: "card-hint", text: "Investigate with the moves below, then decide." }),
  ]);
}

class Conversation {
  /* The learner id and the message history, kept in localStorage. */
  constructor() {
    this.learnerId = localStorage.getItem(STORAGE.learner);
    if (!this.learnerId) this.reset();
    this.messages = JSON.parse(localStorage.getItem(STORAGE.history(this.learnerId)) || "[]");
  }

  reset() {
    if (this.learnerId) {
      localStorage.removeItem(STORAGE.history(this.learnerId));
      localStorage.removeItem(STORAGE.lastActive(this.learnerId));
    }
    this.learnerId = randomId();
    localStorage.setItem(STORAGE.learner, this.learnerId);
    this.messages = [];
  }

  add(message) {
    this.messages.push(message);
    this.save();
  }

  save() {
    this.messages = this.messages.slice(-MAX_HISTORY);
    localStorage.setItem(STORAGE.history(this.learnerId), JSON.stringify(this.messages));
    localStorage.setItem(STORAGE.lastActive(this.learnerId), String(Date.now()));
  }

  get idleFor() {
    const last = Number(localStorage.getItem(STORAGE.lastActive(this.learnerId)) || 0);
    return Date.now() - last;
  }
}

class Widget {
  constructor(mount) {
    this.conversation = new Conversation();
    this.queue = Promise.resolve();
    this.pending = 0; // messages sent and not yet answered
    this.host = mount;
    this.root = mount.attachShadow({ mode: "open" });
    if (config.accent) mount.style.setProperty("--pc-accent", config.accent);
    this.build();
  }

  build() {
    const stylesheet = el("link", { rel: "stylesheet", href: `${assetBase}pause-check-widget.css` });
    this.progress = el("section", { class: "progress", "aria-label": "Your progress" });
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
    this.typing = el("div", { class: "typing", hidden: "", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]);
    this.status = el("div", { class: "status", role: "status", hidden: "" });
    this.input = el("input", {
      type: "text", id: "pc-input", autocomplete: "off", maxlength: "1000", "aria-label": "Your message",
      placeholder: "Type a message…",
    });
    const send = el("button", { type: "submit", class: "send", text: "Send" });
    const form = el("form", { class: "composer" }, [this.input, send]);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.input.value.trim();
      if (!text) return;
      this.input.value = "";
      this.send(text, text);
    });
    this.startOver = el("button", { type: "button", class: "start-over", text: "Start over" });
    this.startOver.addEventListener("click", () => this.confirmStartOver());
    const header = el("header", { class: "header" }, [el("h2", { text: config.title }), this.startOver]);
    this.panel = el("div", { class: "panel", role: "region", "aria-label": `${config.title} chat` },
      [header, this.progress, this.status, this.log, this.typing, form]);
    this.root.append(stylesheet, this.panel);
  }

  start() {
    for (const message of this.conversation.messages) this.render(message);
    this.scrollToEnd();
    this.refreshProgress();
    if (!this.conversation.messages.length || this.conversation.idleFor > GREET_AFTER_MS) {
      this.send("hi", null); // a greeting the learner doesn't see typed: new learners get the menu, returning ones "welcome back"
    }
  }

  confirmStartOver() {
    const question = el("div", { class: "confirm", role: "alertdialog", "aria-label": "Start over?" }, [
      el("p", { text: "Start over as a new learner? This clears this chat on this device. To delete what the tutor stored, say “delete my data” first." }),
    ]);
    const yes = el("button", { type: "button", text: "Yes, start over" });
    const no = el("button", { type: "button", text: "Cancel" });
    yes.addEventListener("click", () => {
      question.remove();
      this.conversation.reset();
      this.log.replaceChildren();
      this.refreshProgress();
      this.send("hi", null);
      this.input.focus();
    });
    no.addEventListener("click", () => { question.remove(); this.startOver.focus(); });
    question.append(yes, no);
    this.log.before(question);
    yes.focus();
  }

  render(message) {
    const bubble = el("div", { class: `message ${message.from}` });
    if (message.from === "bot" && message.card) {
      bubble.append(practiceCard(message.card)); // the text fallback is for clients that cannot draw the card
    } else if (message.from === "bot") {
      const body = el("div", { class: "body" });
      body.innerHTML = renderMarkdown(message.text || ""); // sanitized: tags and URLs are allow-listed
      bubble.append(body);
    } else {
      bubble.append(el("div", { class: "body", text: message.text })); // learners' words are only ever text
    }
    bubble.prepend(el("span", { class: "visually-hidden", text: message.from === "bot" ? "Tutor: " : "You: " }));
    this.log.append(bubble);
    if (message.buttons && message.buttons.length) {
      const group = el("div", { class: "buttons", role: "group", "aria-label": "Choices" });
      for (const button of message.buttons) {
        const node = el("button", { type: "button", class: "choice", text: button.title });
        if (message.answered) node.disabled = true;
        node.addEventListener("click", () => this.send(button.payload, button.title));
        group.append(node);
      }
      bubble.append(group);
    }
  }

  disableChoices() {
    // The tutor only accepts the buttons of its latest turn, so older ones are disabled once the learner replies.
    for (const message of this.conversation.messages) if (message.buttons) message.answered = true;
    this.conversation.save();
    for (const node of this.log.querySelectorAll("button.choice")) node.disabled = true;
  }

  send(message, shownAs) {
    // Messages go out one at a time, in order; the learner can type while the tutor is still answering.
    this.disableChoices();
    if (shownAs !== null) {
      const entry = { from: "user", text: shownAs };
      this.conversation.add(entry);
      this.render(entry);
      this.scrollToEnd();
    }
    this.pending += 1;
    this.queue = this.queue.then(() => this.exchange(message));
    return this.queue;
  }

  async exchange(message) {
    this.typing.hidden = false;
    try {
      const replies = await this.post(message);
      await this.showReplies(replies);
      this.refreshProgress();
    } finally {
      this.pending -= 1;
      this.typing.hidden = this.pending === 0;
    }
  }

  async post(message) {
    const body = JSON.stringify({
      sender: this.conversation.learnerId, message, metadata: { message_id: randomId() },
    });
    for (let attempt = 0; ; attempt += 1) {
      try {
        const response = await fetch(`${config.server}/webhooks/rest/webhook`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body,
        });
        if (response.status === 400) {
          const problem = await response.json().catch(() => ({}));
          this.setOffline(false);
          return [{ text: problem.error || "The tutor could not read that message." }];
        }
        if (response.status === 429) {
          // Over the per-learner rate limit, not offline: wait as asked (Retry-After is hidden from other origins
          // unless exposed; one second is the default refill), then send the same message again.
          this.setOffline(false);
          await sleep(1000 * (Number(response.headers.get("Retry-After")) || 1));
          continue;
        }
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        this.setOffline(false);
        return await response.json();
      } catch (error) {
        // Same body, same message id: if the tutor did get it, an answer is still recorded once.
        this.setOffline(true);
        await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
      }
    }
  }

  setOffline(offline) {
    this.status.hidden = !offline;
    this.status.textContent = offline ? "Can't reach the tutor right now. Retrying…" : "";
    this.panel.classList.toggle("offline", offline);
  }

  async showReplies(replies) {
    for (const [index, reply] of replies.entries()) {
      if (index > 0) {
        this.typing.hidden = false;
        // Pace consecutive messages so they can be read: longer messages wait a little longer.
        await sleep(Math.min(1200, 300 + (replies[index - 1].text || "").length * 2));
      }
      // Buttons of a turn the learner has already moved past (they typed meanwhile) arrive disabled.
      const entry = { from: "bot", text: reply.text || "", buttons: reply.buttons || [], answered: this.pending > 1 };
      if (reply.custom && reply.custom.type === "practice_post") entry.card = reply.custom;
      this.conversation.add(entry);
      this.render(entry);
      this.scrollToEnd();
    }
  }

  async refreshProgress() {
    try {
      const response = await fetch(`${config.api}/api/progress/${encodeURIComponent(this.conversation.learnerId)}`);
      if (!response.ok) return;
      const modules = (await response.json()).modules;
      this.progress.replaceChildren(...modules.map((module) => {
        const percent = Math.round(module.share_done * 100);
        const label = el("span", { class: "label", text: module.title });
        const detail = el("span", { class: "detail", text: module.position_label });
        const bar = el("div", {
          class: "bar", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100",
          "aria-valuenow": String(percent), "aria-label": `${module.title}: ${module.position_label}`,
          "data-module": module.id,
        }, [el("div", { class: "fill" })]);
        bar.firstChild.style.width = `${percent}%`;
        return el("div", { class: "module" }, [label, detail, bar]);
      }));
    } catch (error) {
      // Progress is a nice-to-have; the chat works without it.
    }
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }
}

function mountPoint() {
  if (config.target) {
    const target = document.querySelector(config.target);
    if (target) return target;
  }
  const node = el("div", { class: "pause-check-widget" });
  document.body.append(node);
  return node;
}

function boot() {
  const widget = new Widget(mountPoint());
  widget.start();
  window.PauseCheckWidget = widget; // handy for debugging and for tests
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
