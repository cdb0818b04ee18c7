// Generation requests made offline, queued in IndexedDB and sent once with their Idempotency-Key.
// Loaded by the pages (<script>) and by the service worker (importScripts), which sends them on "sync".
(() => {
  const DB_NAME = "mediaws";
  const STORE = "outbox";
  const TAG = "mediaws-outbox";
  const RETRY_LATER = new Set([408, 425, 429, 500, 502, 503, 504]);

  const opened = () =>
    new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });

  const inStore = async (mode, work) => {
    const db = await opened();
    try {
      return await new Promise((resolve, reject) => {
        const transaction = db.transaction(STORE, mode);
        const request = work(transaction.objectStore(STORE));
        transaction.oncomplete = () => resolve(request.result);
        transaction.onerror = () => reject(transaction.error);
      });
    } finally {
      db.close();
    }
  };

  const all = async () =>
    (await inStore("readonly", (store) => store.getAll())).sort((a, b) => a.createdAt - b.createdAt);
  const put = (item) => inStore("readwrite", (store) => store.put(item));
  const remove = (key) => inStore("readwrite", (store) => store.delete(key));

  const channel = "BroadcastChannel" in self ? new BroadcastChannel(TAG) : null;
  const announce = (news) => channel?.postMessage({ type: "outbox", ...news });

  const sameBody = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  // Queue one request; the same request already waiting is not queued twice (as a double tap online).
  // `owner` is the account's email: the server refuses the request from any other account (X-Queued-For).
  const add = async (body, label, owner = "") => {
    const waiting = (await all()).find((item) => item.state !== "failed" && sameBody(item.body, body));
    if (waiting) return { item: waiting, added: false };
    const item = {
      key: crypto.randomUUID(), body, label, owner, createdAt: Date.now(), state: "waiting", note: "",
    };
    await put(item);
    announce({ event: "queued" });
    return { item, added: true };
  };

  const problem = async (response) => {
    try {
      const answer = await response.json();
      return answer?.error?.message || answer?.detail || `The server answered ${response.status}.`;
    } catch {
      return `The server answered ${response.status}.`;
    }
  };

  const otherAccount = async (response) => {
    try {
      return (await response.clone().json())?.error?.field === "X-Queued-For";
    } catch {
      return false;
    }
  };

  // Send each waiting request once, oldest first. Rejects while offline, so that a sync is tried again.
  const sendAll = async () => {
    for (const item of await all()) {
      if (item.state === "failed") continue;
      const headers = { "Content-Type": "application/json", "Idempotency-Key": item.key };
      if (item.owner) headers["X-Queued-For"] = encodeURIComponent(item.owner);
      const response = await fetch("/api/generate", {
        method: "POST",
        credentials: "same-origin",
        headers,
        body: JSON.stringify(item.body),
      });
      if (response.ok) {
        const generation = await response.json();
        await remove(item.key);
        announce({ event: "sent", label: item.label, projectId: item.body.projectId, id: generation.id });
      } else if (response.status === 401) {
        await put({ ...item, note: "Log in again to send it." });
        announce({ event: "login" });
        return;
      } else if (response.status === 409 && (await otherAccount(response))) {
        await remove(item.key); // another account's request: neither sent nor shown to this one
        announce({ event: "dropped" });
      } else if (RETRY_LATER.has(response.status)) {
        throw new Error(`mediaws: the server answered ${response.status}; trying again later`);
      } else {
        await put({ ...item, state: "failed", note: await problem(response) });
        announce({ event: "failed", label: item.label });
      }
    }
  };

  // One sender at a time across tabs and the service worker (the key makes a second send harmless anyway).
  const flush = () =>
    self.navigator?.locks ? navigator.locks.request(TAG, sendAll) : sendAll();

  const clear = () => inStore("readwrite", (store) => store.clear());

  self.mediawsOutbox = { TAG, all, add, put, remove, clear, flush, channel };
  if (typeof window !== "undefined") window.dispatchEvent(new Event("mediaws-outbox-ready"));

  if (typeof ServiceWorkerGlobalScope !== "undefined" && self instanceof ServiceWorkerGlobalScope) {
    self.addEventListener("sync", (event) => {
      if (event.tag === TAG) event.waitUntil(flush());
    });
    self.addEventListener("message", (event) => {
      if (event.data?.type === "FLUSH_OUTBOX") event.waitUntil(flush().catch(() => undefined));
    });
  }
})();
