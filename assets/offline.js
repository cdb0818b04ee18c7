// Offline: the indicator, each page's saved data (the service worker's caches), and the outbox's status.
// State on <html>: data-offline="1" while offline, data-offline-view="show" while the saved view replaces
// a page that never loaded online. The Generate button carries its request as data-offline-request.
(() => {
  const html = () => document.documentElement; // read each time: a redone hydration may replace <html>
  // A changed attribute on <html> restyles the whole page (thousands of chart nodes): write only changes.
  const mark = (name, value) => {
    if ((html().dataset[name] || "") !== value) html().dataset[name] = value;
  };
  const OUTBOX_TAG = "mediaws-outbox";
  const outbox = () => self.mediawsOutbox; // outbox.js may load after this script
  const LAST_REQUEST = "mediaws.lastRequest";
  const WARM_EVERY_MS = 2_000;
  const loadedOnline = new Set();
  const warmedAt = new Map();
  let sentNews = "";

  const el = (tag, props = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props)) {
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined && child !== ""));
    return node;
  };
  const byId = (id) => document.getElementById(id);
  const path = () => location.pathname.replace(/\/+$/, "") || "/";
  const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "");
  const usd = (text) => {
    const amount = Number(text);
    return amount > 0 && amount < 0.01 ? "<$0.01" : `$${amount.toFixed(2)}`;
  };
  const encode = encodeURIComponent;

  // Each page's API reads (cached by the service worker while online) and how to show them offline.
  const THUMBS = { image: ["small", "large"], video: ["poster", "small"], audio: ["wave"], text: [] };
  const thumb = (asset) => {
    const variant = (THUMBS[asset.kind] || []).find((name) => name in asset.previewUrls);
    if (variant) return `/files/${asset.id}/${variant}`;
    return asset.kind === "image" ? `/files/${asset.id}/file` : "";
  };
  const ROUTES = [
    [/^\/projects$/, () => ["/api/projects"], projectsView],
    [/^\/projects\/([\w-]+)\/analytics$/, (id) => [`/api/analytics/project/${encode(id)}`], projectCostView],
    [/^\/projects\/([\w-]+)(?:\/assets)?$/, (id) => ["/api/projects", `/api/assets?projectId=${encode(id)}`], galleryView],
    [/^\/assets$/, () => ["/api/assets"], galleryView],
    [/^\/assets\/([\w-]+)$/, (id) => [`/api/assets/${encode(id)}`], assetView],
    [/^\/analytics$/, () => ["/api/analytics/dashboard"], costView],
    [/^\/generate$/, () => [], generateView],
    [/^\/settings\/keys$/, () => [], keysView],
  ];
  const route = () => {
    for (const [pattern, reads, view] of ROUTES) {
      const match = path().match(pattern);
      if (match) return { id: match[1], reads: reads(match[1]), view };
    }
    return null;
  };

  // Through the service worker (network first, then its cache); straight from the cache if that fails.
  const saved = async (url) => {
    let response = null;
    try {
      response = await fetch(url, { headers: { Accept: "application/json" } });
    } catch { /* offline and the worker did not answer */ }
    if (!response?.ok && "caches" in self) response = (await caches.match(url)) || null;
    if (!response?.ok) return null;
    try {
      return { data: await response.json(), date: response.headers.get("date") };
    } catch {
      return null;
    }
  };

  const heading = (text) => el("h1", { class: "offline-title", text });
  const nothing = (text) => el("p", { class: "offline-note", text });
  const table = (caption, rows) =>
    el(
      "table",
      { class: "offline-table" },
      el("caption", { text: caption }),
      el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((cell, i) => el(i ? "td" : "th", { text: cell }))))),
    );
  const shares = (caption, items) =>
    items.length ? table(caption, items.map((s) => [s.name, usd(s.costUsd), `${s.requests} request${s.requests === 1 ? "" : "s"}`])) : null;

  function projectsView([projects]) {
    if (!projects) return [heading("Projects"), nothing("No projects were saved on this device yet.")];
    return [
      heading("Projects"),
      el(
        "ul",
        { class: "offline-list" },
        ...projects.data.map((p) =>
          el(
            "li",
            {},
            el("a", { href: `/projects/${p.id}/assets`, text: p.name }),
            p.archived ? el("span", { class: "offline-badge", text: "Archived" }) : null,
            el("p", { text: p.description }),
          ),
        ),
      ),
    ];
  }

  function galleryView(found, id) {
    const page = found[found.length - 1];
    const project = id && found[0] ? found[0].data.find((p) => p.id === id) : null;
    const title = project ? project.name : "Assets";
    if (!page) return [heading(title), nothing("This gallery was not saved on this device yet.")];
    const cards = page.data.items.map((a) =>
      el(
        "li",
        {},
        el(
          "a",
          { href: `/assets/${a.id}` },
          thumb(a) ? el("img", { src: thumb(a), alt: "", loading: "lazy", width: "160", height: "120" }) : el("span", { class: "offline-thumb", text: a.kind }),
          el("span", { text: a.name }),
        ),
        el("small", { text: `${a.kind} · ${usd(a.costUsd)}` }),
      ),
    );
    return [heading(title), cards.length ? el("ul", { class: "offline-grid" }, ...cards) : nothing("No assets yet.")];
  }

  // The first of these pictures the device has: the saved reading may predate the large preview.
  function savedPicture(sources, props) {
    if (!sources.length) return null;
    const img = el("img", { ...props, src: sources[0] });
    let at = 0;
    img.addEventListener("error", () => {
      at += 1;
      if (at < sources.length) img.src = sources[at];
      else img.remove();
    });
    return img;
  }

  function assetView([asset]) {
    if (!asset) return [heading("Asset"), nothing("This asset was not saved on this device yet.")];
    const a = asset.data;
    const pictures = a.kind === "image" ? ["large", "file", "small"].map((v) => `/files/${a.id}/${v}`) : [thumb(a)];
    return [
      heading(a.name),
      savedPicture(pictures.filter(Boolean), { class: "offline-picture", alt: a.description || a.name }),
      a.excerpt ? el("p", { text: a.excerpt }) : null,
      table("Details", [
        ["Kind", a.kind],
        ["Cost", usd(a.costUsd)],
        ["Created", when(a.createdAt)],
        ...(a.prompt ? [["Prompt", a.prompt]] : []),
      ]),
      el("p", { class: "offline-note", text: "Playing or downloading the file needs a connection unless you opened it before." }),
    ];
  }

  function costView([dashboard]) {
    if (!dashboard) return [heading("Analytics"), nothing("Costs were not saved on this device yet.")];
    const d = dashboard.data;
    return [
      heading("Analytics"),
      el("p", { class: "offline-note", text: `${d.start} to ${d.end} (${d.timeZone})` }),
      table("Totals", [
        ["Total cost", usd(d.totalCostUsd)],
        ["Requests", String(d.requests)],
        ["Succeeded", String(d.succeeded)],
        ["Failed", String(d.failed)],
      ]),
      shares("Cost by provider", d.byProvider),
      shares("Cost by model", d.byModel),
      shares("Cost by project", d.byProject),
    ];
  }

  function projectCostView([summary]) {
    if (!summary) return [heading("Project analytics"), nothing("This project's costs were not saved on this device yet.")];
    const s = summary.data;
    return [
      heading(`${s.name}: costs`),
      table("Totals", [
        ["Spent since it began", usd(s.costUsd)],
        ["Requests", String(s.requests)],
        ["Average per request", usd(s.averageCostUsd)],
        ["Spent this month", usd(s.monthSpentUsd) + (s.monthlyBudgetUsd ? ` of ${usd(s.monthlyBudgetUsd)}` : "")],
      ]),
      shares("Cost by provider", s.byProvider),
      shares("Cost by type", s.byType),
    ];
  }

  function generateView() {
    let last = null;
    try { last = JSON.parse(localStorage.getItem(LAST_REQUEST) || "null"); } catch { /* private mode */ }
    if (!last) return [heading("Generate"), nothing("Open Generate once while online to queue generations offline.")];
    const prompt = el("textarea", { id: "offline-prompt", rows: "4", "aria-label": "Prompt" });
    const answer = el("p", { class: "offline-note", role: "status" });
    const queue = async () => {
      answer.textContent = await enqueue(last, prompt.value);
      if (answer.textContent.startsWith("Queued")) prompt.value = "";
    };
    return [
      heading("Generate"),
      el("p", { text: `Queue a generation with your last choice (${last.label}); it is sent when you are back online.` }),
      el("label", { for: "offline-prompt", text: "Prompt" }),
      prompt,
      el("button", { type: "button", class: "offline-button", onclick: queue, text: "Queue generation" }),
      answer,
    ];
  }

  function keysView() {
    return [heading("API keys"), nothing("Adding a key needs a connection: keys are never stored on this device.")];
  }

  async function showSaved() {
    const view = byId("offline-view");
    const found = route();
    if (!view) return;
    if (!found) {
      view.replaceChildren(heading("You are offline"), nothing("This page needs a connection."), el("a", { href: "/projects", text: "Saved projects" }));
      return;
    }
    const answers = await Promise.all(found.reads.map(saved));
    view.replaceChildren(...found.view(answers, found.id).filter(Boolean));
    const dates = answers.filter(Boolean).map((a) => a.date).filter(Boolean);
    const asOf = dates.length ? ` from ${when(new Date(Math.min(...dates.map(Date.parse))).toISOString())}` : "";
    byId("offline-text").textContent = `You are offline: showing what this device saved${asOf}.`;
  }

  // The containers are React's: fill them once hydrated, or React would redo them.
  const hydrated = () =>
    new Promise((resolve) => {
      const started = Date.now();
      const check = () => {
        const node = byId("outbox-status");
        if ((node && Object.keys(node).some((key) => key.startsWith("__react"))) || Date.now() - started > 10_000) {
          resolve();
        } else setTimeout(check, 50);
      };
      check();
    });

  const online = () => navigator.onLine;
  async function render() {
    mark("offline", online() ? "" : "1");
    const showView = !online() && !loadedOnline.has(path());
    mark("offlineView", showView ? "show" : "");
    await hydrated();
    const text = byId("offline-text");
    if (text && !online()) text.textContent = "You are offline: what you see was saved on this device.";
    if (showView) await showSaved();
    await renderOutbox();
  }

  // Online: remember that the page loaded, and refresh its reads in the cache for later offline use.
  function warm() {
    if (!online()) return;
    loadedOnline.add(path());
    const found = route();
    for (const url of found ? found.reads : []) {
      if (Date.now() - (warmedAt.get(url) || 0) < WARM_EVERY_MS) continue;
      warmedAt.set(url, Date.now());
      fetch(url, { headers: { Accept: "application/json" } }).catch(() => undefined);
    }
  }

  async function enqueue(request, promptText) {
    const prompt = (promptText || "").trim();
    if (!prompt) return "Write a prompt first.";
    if (!outbox()) return "This browser cannot queue requests offline.";
    const label = `${request.label}: ${prompt.slice(0, 60)}`;
    const { added } = await outbox().add({ ...request.body, prompt }, label, request.owner || "");
    try {
      const registration = await navigator.serviceWorker?.ready;
      await registration?.sync?.register(OUTBOX_TAG);
    } catch { /* no Background Sync (iOS): sent on reconnect by this page */ }
    await renderOutbox();
    return added ? "Queued: it will be sent when you are back online." : "Already queued: it is sent once when you are back online.";
  }

  async function renderOutbox() {
    const box = byId("outbox-status");
    if (!box || !outbox()) return;
    let items = [];
    try { items = await outbox().all(); } catch { /* IndexedDB unavailable */ }
    const waiting = items.filter((item) => item.state !== "failed").length;
    const summary = waiting
      ? `${waiting} generation${waiting === 1 ? "" : "s"} waiting to send`
      : items.length ? "A queued generation could not be sent" : sentNews;
    mark("outbox", summary ? "show" : "");
    const list = el(
      "ul",
      {},
      ...items.map((item) =>
        el(
          "li",
          {},
          el("span", { text: item.label }),
          el("small", { text: item.state === "failed" ? `Not sent: ${item.note}` : item.note || `Waiting since ${when(new Date(item.createdAt).toISOString())}` }),
          el("button", { type: "button", class: "offline-link", "aria-label": `Discard ${item.label}`, onclick: () => discard(item.key), text: "Discard" }),
        ),
      ),
    );
    const sendNow = waiting && online() ? el("button", { type: "button", class: "offline-link", onclick: () => send(), text: "Send now" }) : null;
    box.replaceChildren(...[el("strong", { text: summary }), sendNow, items.length ? list : null].filter(Boolean));
  }

  async function discard(key) {
    await outbox().remove(key);
    await renderOutbox();
  }

  async function send() {
    if (!outbox() || !online()) return;
    try { await outbox().flush(); } catch { /* still unreachable: kept for the next try */ }
    await renderOutbox();
  }

  function onNews(news) {
    if (news?.type !== "outbox") return;
    if (news.event === "sent") {
      sentNews = `Sent: ${news.label}`;
      setTimeout(() => { sentNews = ""; renderOutbox(); }, 8000);
    }
    renderOutbox();
  }
  if ("BroadcastChannel" in self) new BroadcastChannel(OUTBOX_TAG).onmessage = (event) => onNews(event.data);

  // The Generate button: remember its request for an offline visit, and queue it instead when offline.
  const keepRequest = (button) => {
    const request = button?.getAttribute("data-offline-request");
    if (request) try { localStorage.setItem(LAST_REQUEST, request); } catch { /* private mode */ }
  };
  new MutationObserver((records) => records.forEach((r) => keepRequest(r.target))).observe(document, {
    subtree: true,
    attributes: true,
    attributeFilter: ["data-offline-request"],
  });
  addEventListener(
    "click",
    (event) => {
      const button = event.target instanceof Element && event.target.closest("[data-offline-request]");
      if (!button || online() || html().dataset.offlineView === "show") return;
      event.preventDefault();
      event.stopImmediatePropagation();
      let request = null;
      try { request = JSON.parse(button.getAttribute("data-offline-request")); } catch { /* empty form */ }
      const note = byId("offline-text");
      if (!request) {
        if (note) note.textContent = "You are offline: choose a model first, then queue it.";
        return;
      }
      keepRequest(button);
      enqueue(request, byId("gen-prompt")?.value).then((answer) => { if (note) note.textContent = answer; });
    },
    true,
  );

  // React may replace the containers after the first fill (hydration redone, a page change): fill anew.
  const filled = new WeakSet();
  new MutationObserver(() => {
    const box = byId("outbox-status");
    if (box && !filled.has(box)) {
      filled.add(box);
      render();
    }
  }).observe(document, { childList: true, subtree: true });

  const changed = () => setTimeout(() => {
    if (online()) loadedOnline.add(path());
    warm();
    render();
  }, 0);
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    history[name] = function (...args) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  addEventListener("popstate", changed);
  addEventListener("mediaws-outbox-ready", () => { render(); if (online()) send(); });
  addEventListener("offline", render);
  addEventListener("online", () => { warm(); render(); send(); });
  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("[data-outbox-send]")) send();
  });
  const start = () => {
    if (online()) loadedOnline.add(path()); // its page state comes from the server: no saved view needed
    const idle = self.requestIdleCallback || ((work) => setTimeout(work, 300));
    if (document.readyState === "complete") idle(warm, { timeout: 2000 });
    else addEventListener("load", () => idle(warm, { timeout: 2000 }), { once: true });
    render();
    if (online()) send();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
