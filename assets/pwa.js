// Service worker registration, the "new version" bar and the install prompts (state on <html data-pwa-*>).
(() => {
  const shown = {}; // data-pwa-* as last set, put back if a redone hydration replaces <html>
  const root = {
    dataset: new Proxy(shown, {
      set(target, name, value) {
        target[name] = value;
        document.documentElement.dataset[name] = value;
        return true;
      },
    }),
  };
  new MutationObserver(() => Object.assign(document.documentElement.dataset, shown)).observe(document, {
    childList: true,
  });
  const DISMISSED = "mediaws.installBannerDismissed";
  const standalone = () =>
    matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  const ios = /iphone|ipad|ipod/i.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  let installEvent = null;
  let waiting = null;

  const setInstall = (mode) => {
    if (standalone()) mode = "installed";
    root.dataset.pwaInstall = mode;
    let dismissed = true;
    try { dismissed = localStorage.getItem(DISMISSED) === "1"; } catch { /* private mode */ }
    root.dataset.pwaBanner = mode === "prompt" && !dismissed ? "show" : "hide";
  };
  setInstall(ios && !standalone() ? "ios" : "none");

  addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    installEvent = event;
    setInstall("prompt");
  });
  addEventListener("appinstalled", () => {
    installEvent = null;
    setInstall("installed");
  });

  const dismissBanner = () => {
    try { localStorage.setItem(DISMISSED, "1"); } catch { /* private mode */ }
    root.dataset.pwaBanner = "hide";
  };
  const actions = {
    install: async () => {
      if (!installEvent) return;
      installEvent.prompt();
      const { outcome } = await installEvent.userChoice;
      installEvent = null;
      if (outcome === "accepted") setInstall("installed");
      dismissBanner();
    },
    dismiss: dismissBanner,
    reload: () => waiting && waiting.postMessage({ type: "SKIP_WAITING" }),
  };
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element && event.target.closest("[data-pwa-action]");
    if (target) actions[target.getAttribute("data-pwa-action")]?.();
  });

  if (!("serviceWorker" in navigator)) return;
  if (location.pathname.replace(/\/$/, "") === "/login" && "caches" in window) {
    // After a logout: the next account must not see this one's data offline.
    caches.delete("mediaws-api");
    caches.delete("mediaws-files");
    caches.delete("mediaws-pages");
  }
  const offerUpdate = (worker) => {
    waiting = worker;
    root.dataset.pwaUpdate = "ready";
  };
  let reloading = false;
  const register = async () => {
    const hadController = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (!hadController || reloading) return;
      reloading = true;
      location.reload();
    });
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
    registration.addEventListener("updatefound", () => {
      const worker = registration.installing;
      worker?.addEventListener("statechange", () => {
        if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
      });
    });
  };
  if (document.readyState === "complete") register();
  else addEventListener("load", register);
})();
