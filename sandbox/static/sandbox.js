// The sandbox page: draws what the server renders, and sends what the person does.
// No framework and no build step; the server turns every action into Slack's signed request.
"use strict";

const $ = (id) => document.getElementById(id);
const page = {
  me: localStorage.getItem("sandbox.me") || "",
  where: localStorage.getItem("sandbox.where") || "",
  version: "",
  modalView: null,
  modalHtml: "",
  paneKey: "",
  paneHtml: "",
  asked: 0,
  people: [],
};

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user: page.me, ...body }),
  };
  const response = await fetch(path, options);
  let answer = {};
  try { answer = await response.json(); } catch (_) { answer = {}; }
  if (!response.ok || answer.problem) {
    throw new Error(answer.problem || `The sandbox answered ${response.status}.`);
  }
  return answer;
}

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

async function refresh() {
  // Only the latest request draws: an older answer (asked before a click moved the person
  // elsewhere) must not take them back.
  const mine = ++page.asked;
  const query = new URLSearchParams({ user: page.me, where: page.where || "" });
  let state;
  try {
    state = await api(`/sandbox/api/state?${query}`);
  } catch (error) {
    if (mine === page.asked) toast(error.message);
    return;
  }
  if (mine === page.asked) draw(state);
}

function draw(state) {
  page.version = state.version;
  page.people = state.people;
  page.me = state.me.id;
  page.appDm = state.app_dm;
  localStorage.setItem("sandbox.me", page.me);
  $("workspace-name").textContent = state.workspace;
  drawWho(state);
  $("clock-label").textContent = state.clock.label;
  $("clock-zone").textContent = `(${state.clock.zone})`;
  drawSidebar(state);
  drawPane(state);
  drawModal(state.modal);
}

function drawWho(state) {
  const who = $("who");
  if (who.options.length !== state.people.length) {
    who.innerHTML = "";
    for (const person of state.people) {
      const option = document.createElement("option");
      option.value = person.id;
      option.textContent = person.admin ? `${person.name} (program admin)` : person.name;
      who.append(option);
    }
  }
  who.value = state.me.id;
  $("who-detail").textContent = `${state.me.title} · ${state.me.tz.replace("_", " ")}`;
  $("handles").textContent = state.people.map((p) => `@${p.handle}`).join(" ");
}

function drawSidebar(state) {
  const nav = $("sidebar");
  const groups = [
    ["Apps", state.sidebar.filter((c) => c.kind === "app")],
    ["Channels", state.sidebar.filter((c) => c.kind === "channel")],
    ["Direct messages", state.sidebar.filter((c) => c.kind === "mpim")],
  ];
  nav.innerHTML = "";
  for (const [title, items] of groups) {
    const heading = document.createElement("div");
    heading.className = "channels-heading";
    heading.textContent = title;
    nav.append(heading);
    if (!items.length) {
      const none = document.createElement("div");
      none.className = "channels-empty";
      none.textContent = title === "Direct messages" ? "Pair conversations appear here" : "";
      nav.append(none);
    }
    for (const item of items) {
      const link = document.createElement("button");
      link.type = "button";
      link.className = "channel";
      link.dataset.kind = item.kind;
      const current = item.kind === "app"
        ? state.pane.kind === "home" || state.pane.id === item.id
        : state.pane.id === item.id;
      if (current) link.classList.add("current");
      if (item.unread) link.classList.add("unread");
      link.dataset.where = item.kind === "app" ? (state.pane.id === item.id ? item.id : "home") : item.id;
      const icon = item.kind === "app" ? "🤖" : item.kind === "channel" ? "#" : "👥";
      link.innerHTML = `<span class="channel-icon" aria-hidden="true"></span><span class="channel-title"></span>`;
      link.querySelector(".channel-icon").textContent = icon;
      link.querySelector(".channel-title").textContent = item.kind === "channel" ? item.title.slice(1) : item.title;
      if (item.unread) {
        const badge = document.createElement("span");
        badge.className = "unread-count";
        badge.textContent = item.unread;
        link.append(badge);
      }
      nav.append(link);
    }
  }
}

function suggestions(state) {
  if (state.pane.kind === "channel") {
    return state.me.admin
      ? ["/mentor pair @maria @tomas", "/mentor report", "/mentor help"]
      : ["/mentor help", "/mentor diary"];
  }
  if (state.pane.kind === "mpim") {
    return ["/mentor schedule", "/mentor agenda", "/mentor agreement", "/mentor actions"];
  }
  return ["/mentor help", "/mentor sessions", "/mentor diary", "/mentor export"];
}

function drawPane(state) {
  const pane = state.pane;
  const isApp = pane.kind === "home" || pane.kind === "app";
  page.where = pane.kind === "home" ? "home" : pane.id;
  localStorage.setItem("sandbox.where", page.where);
  $("pane-title").textContent = pane.kind === "mpim" ? pane.title : pane.title;
  $("app-tabs").hidden = !isApp;
  for (const tab of document.querySelectorAll(".tab")) {
    const selected = (tab.dataset.tab === "home") === (pane.kind === "home");
    tab.classList.toggle("selected", selected);
    tab.setAttribute("aria-selected", selected ? "true" : "false");
  }
  const body = $("pane-body");
  body.dataset.kind = pane.kind;
  body.dataset.viewId = pane.view_id || "";
  const key = `${page.me}:${pane.kind}:${pane.id}`;
  const html = pane.kind === "home" && !pane.html
    ? '<div class="empty">Opening Mentorbot’s Home…</div>'
    : pane.html;
  if (key !== page.paneKey || html !== page.paneHtml) {
    const atBottom = body.scrollHeight - body.scrollTop - body.clientHeight < 80;
    body.innerHTML = pane.kind === "home" ? `<div class="home">${html}</div>` : html;
    if (pane.kind !== "home" && (atBottom || key !== page.paneKey)) body.scrollTop = body.scrollHeight;
    if (pane.kind === "home" && key !== page.paneKey) body.scrollTop = 0;
    page.paneKey = key;
    page.paneHtml = html;
  }
  if (pane.kind === "home" && !pane.html && page.homeAsked !== page.me) {
    page.homeAsked = page.me; // Slack sends app_home_opened when the tab shows
    api("/sandbox/api/home", {}).catch((error) => toast(error.message));
  }
  const composer = $("composer");
  composer.hidden = pane.kind === "home";
  if (!composer.hidden) {
    $("message-box").placeholder = pane.placeholder || "Message";
    const chips = $("suggestions");
    const wanted = suggestions(state);
    if (chips.dataset.for !== key) {
      chips.dataset.for = key;
      chips.innerHTML = "";
      for (const text of wanted) {
        const chip = document.createElement("button");
        chip.type = "button";
        chip.className = "suggestion";
        chip.textContent = text;
        chips.append(chip);
      }
    }
  }
}

function drawModal(modal) {
  const overlay = $("modal");
  if (!modal) {
    overlay.hidden = true;
    page.modalView = null;
    page.modalHtml = "";
    return;
  }
  overlay.hidden = false;
  $("modal-title").textContent = modal.title;
  $("modal-submit").hidden = !modal.submit;
  $("modal-submit").textContent = modal.submit || "Submit";
  $("modal-close").textContent = modal.close || "Cancel";
  const body = $("modal-body");
  if (modal.view_id !== page.modalView || modal.html !== page.modalHtml) {
    const keep = modal.view_id === page.modalView ? entered(body) : null;
    body.innerHTML = modal.html;
    if (keep) restore(body, keep);
    if (modal.view_id !== page.modalView) {
      $("modal-problem").hidden = true;
      const first = body.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
    }
    page.modalView = modal.view_id;
    page.modalHtml = modal.html;
  }
}

// -- reading what the person entered ----------------------------------------------------------
function valueOf(element) {
  const kind = element.dataset.kind;
  if (["multi_static_select", "multi_users_select", "multi_conversations_select",
       "multi_channels_select", "multi_external_select", "checkboxes"].includes(kind)) {
    return [...element.querySelectorAll("input:checked")].map((i) => i.value);
  }
  if (kind === "radio_buttons") {
    const chosen = element.querySelector("input:checked");
    return chosen ? chosen.value : null;
  }
  if (kind === "datetimepicker") {
    const [day, time] = element.querySelectorAll("input");
    return day.value && time.value ? `${day.value}T${time.value}` : null;
  }
  if (kind === "file_input") return element.files ? [...element.files] : [];
  return element.value === "" ? null : element.value;
}

function stateful(root) {
  return [...root.querySelectorAll("[data-action]")].filter((e) => !["button", "workflow_button", "overflow"].includes(e.dataset.kind));
}

function entered(root) {
  const values = {};
  for (const element of stateful(root)) {
    const block = element.dataset.block;
    values[block] = values[block] || {};
    values[block][element.dataset.action] = valueOf(element);
  }
  return values;
}

function restore(root, values) {
  for (const element of stateful(root)) {
    const value = (values[element.dataset.block] || {})[element.dataset.action];
    if (value === undefined || element.dataset.kind === "file_input") continue;
    if (Array.isArray(value)) {
      for (const box of element.querySelectorAll("input")) box.checked = value.includes(box.value);
    } else if (element.dataset.kind === "radio_buttons") {
      for (const box of element.querySelectorAll("input")) box.checked = box.value === value;
    } else if (element.dataset.kind === "datetimepicker") {
      const [day, time] = element.querySelectorAll("input");
      [day.value, time.value] = value ? value.split("T") : ["", ""];
    } else {
      element.value = value === null ? "" : value;
    }
  }
}

async function withFiles(values) {
  for (const block of Object.values(values)) {
    for (const [action, value] of Object.entries(block)) {
      if (Array.isArray(value) && value.length && value[0] instanceof File) {
        block[action] = await Promise.all(value.map(async (file) => ({
          name: file.name,
          content: btoa(String.fromCharCode(...new Uint8Array(await file.arrayBuffer()))),
        })));
      }
    }
  }
  return values;
}

// -- confirm dialogs --------------------------------------------------------------------------
function confirmed(element) {
  if (!element.dataset.confirm) return Promise.resolve(true);
  const dialog = JSON.parse(element.dataset.confirm);
  $("confirm-title").textContent = dialog.title;
  $("confirm-text").innerHTML = dialog.text;
  $("confirm-deny").textContent = dialog.deny;
  const yes = $("confirm-yes");
  yes.textContent = dialog.confirm;
  yes.className = `bk-button ${dialog.style === "danger" ? "bk-danger" : "bk-primary"}`;
  $("confirm").hidden = false;
  return new Promise((resolve) => {
    const done = (answer) => {
      $("confirm").hidden = true;
      yes.onclick = null;
      $("confirm-deny").onclick = null;
      resolve(answer);
    };
    yes.onclick = () => done(true);
    $("confirm-deny").onclick = () => done(false);
  });
}

// -- doing things -----------------------------------------------------------------------------
function surfaceOf(element) {
  if (element.closest("#modal-body")) return { type: "view", view_id: page.modalView };
  const message = element.closest(".message");
  if (message) return { type: "message", channel: message.dataset.channel, ts: message.dataset.ts };
  return { type: "view", view_id: $("pane-body").dataset.viewId };
}

async function act(element, value) {
  if (!(await confirmed(element))) return;
  const inModal = Boolean(element.closest("#modal-body"));
  const values = inModal ? await withFiles(entered($("modal-body"))) : {};
  try {
    await api("/sandbox/api/act", {
      surface: surfaceOf(element),
      block_id: element.dataset.block,
      action_id: element.dataset.action,
      value,
      entered: values,
    });
  } catch (error) {
    toast(error.message);
  }
  refresh();
}

async function go(where) {
  page.asked++; // whatever was asked before this click must not draw over it
  page.where = where;
  if (where === "home") {
    try { await api("/sandbox/api/home", {}); } catch (error) { toast(error.message); }
  }
  refresh();
}

async function send(text) {
  try {
    await api("/sandbox/api/send", { channel: page.where, text });
  } catch (error) {
    toast(error.message);
  }
  refresh();
}

async function submitModal() {
  const problem = $("modal-problem");
  problem.hidden = true;
  const button = $("modal-submit");
  button.disabled = true;
  try {
    const answer = await api("/sandbox/api/submit", {
      view_id: page.modalView,
      entered: await withFiles(entered($("modal-body"))),
    });
    if (answer.problem) throw new Error(answer.problem);
  } catch (error) {
    problem.textContent = error.message;
    problem.hidden = false;
  } finally {
    button.disabled = false;
  }
  refresh();
}

async function closeModal(all) {
  try {
    await api("/sandbox/api/close", { view_id: page.modalView, all });
  } catch (error) {
    toast(error.message);
  }
  refresh();
}

async function moveClock(how) {
  const buttons = document.querySelectorAll(".clock-button");
  buttons.forEach((b) => { b.disabled = true; });
  $("clock-label").textContent = "moving time…";
  try {
    await api("/sandbox/api/clock", { how });
  } catch (error) {
    toast(error.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
  refresh();
}

document.addEventListener("click", (event) => {
  const target = event.target.closest("button, a");
  if (!target) return;
  if (target.dataset.where) return go(target.dataset.where);
  if (target.dataset.tab) return go(target.dataset.tab === "home" ? "home" : page.appDm);
  if (target.dataset.clock) return moveClock(target.dataset.clock);
  if (target.classList.contains("suggestion")) {
    const box = $("message-box");
    box.value = target.textContent;
    box.focus();
    return;
  }
  if (target.dataset.action && target.dataset.kind && !target.dataset.link) {
    event.preventDefault();
    act(target);
  }
});

document.addEventListener("change", (event) => {
  const input = event.target;
  const element = input.closest("[data-action]");
  if (!element || ["button", "workflow_button"].includes(element.dataset.kind)) return;
  const inInput = element.closest(".bk-input");
  if (inInput && inInput.dataset.dispatch !== "true") return; // part of a form, sent on submit
  if (element.dataset.kind === "overflow") {
    const value = element.value;
    element.value = "";
    if (value) act(element, value);
    return;
  }
  if (element.dataset.kind === "file_input") return;
  act(element, valueOf(element));
});

$("who").addEventListener("change", (event) => {
  page.asked++;
  page.me = event.target.value;
  page.where = "";
  page.paneKey = "";
  refresh();
});
$("composer").addEventListener("submit", (event) => {
  event.preventDefault();
  const box = $("message-box");
  const text = box.value;
  box.value = "";
  if (text.trim()) send(text);
});
$("message-box").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("composer").requestSubmit();
  }
});
$("modal-submit").addEventListener("click", submitModal);
$("modal-close").addEventListener("click", () => closeModal(false));
$("modal-x").addEventListener("click", () => closeModal(true));
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !$("modal").hidden && $("confirm").hidden) closeModal(true);
});

function listen() {
  const events = new EventSource(`/sandbox/api/events?since=${encodeURIComponent(page.version)}`);
  events.onmessage = (event) => {
    if (event.data !== page.version) refresh();
  };
}

refresh().then(listen);
