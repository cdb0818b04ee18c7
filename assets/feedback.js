// Feedback on every page: toasts belong to the page that showed them (dismissed when the route changes,
// except a "carry-" toast sent along with a redirect, kept through that one change), the toaster sits below
// the sticky top bar, haptics (`mwsHaptic`, and clicks on [data-haptic]) where the device vibrates, and an
// element with data-outcome (Generate's result) scrolled into view with a buzz when it turns "succeeded".
// window.mwsToast is sonner's toast API (a stand-in that keeps toasts until sonner has arrived), set by
// mediaws/components/lazy_toaster.jsx.
(() => {
  if (window.mwsHaptic) return;
  const PATTERNS = { success: [30, 60, 30], warning: [60], error: [80, 50, 80], tap: [10] };
  const calm = () => matchMedia("(prefers-reduced-motion: reduce)").matches;

  function haptic(kind) {
    try {
      if (navigator.vibrate) navigator.vibrate(PATTERNS[kind] || PATTERNS.tap);
    } catch {
      /* not allowed here: no buzz */
    }
  }

  // <html> is read afresh each time: hydration (after the first paint) may put a new one in place.
  function measureTopbar(tries = 30) {
    const root = document.documentElement;
    const bar = document.querySelector(".topbar");
    if (bar) root.style.setProperty("--mws-topbar", `${Math.round(bar.getBoundingClientRect().height)}px`);
    else if (tries > 0) setTimeout(() => measureTopbar(tries - 1), 100);
    else root.style.removeProperty("--mws-topbar");
  }

  // Scroll once its pictures have their size (else the page may still be too short to bring it up).
  function reveal(element, started) {
    const loading = [...element.querySelectorAll("img")].some((image) => !image.complete);
    if (loading && performance.now() - started < 3000) setTimeout(() => reveal(element, started), 100);
    else element.scrollIntoView({ behavior: calm() ? "auto" : "smooth", block: "start" });
  }

  let path = location.pathname;
  const carried = new Set();
  function routeChanged() {
    if (location.pathname === path) return;
    path = location.pathname;
    measureTopbar();
    const api = window.mwsToast;
    if (!api || !api.getToasts) return;
    for (const shown of api.getToasts()) {
      const id = String(shown.id);
      if (id.startsWith("carry-") && !carried.has(id)) carried.add(id);
      else api.dismiss(shown.id);
    }
  }
  for (const name of ["pushState", "replaceState"]) {
    const original = history[name];
    history[name] = function (...args) {
      const result = original.apply(this, args);
      routeChanged();
      return result;
    };
  }
  addEventListener("popstate", routeChanged);
  addEventListener("resize", () => measureTopbar(0));
  measureTopbar();
  let settling = 0; // and again while the page hydrates and its bar takes its final size
  const settle = setInterval(() => {
    measureTopbar(0);
    if (++settling >= 40) clearInterval(settle);
  }, 250);

  document.addEventListener("click", (event) => {
    const source = event.target instanceof Element && event.target.closest("[data-haptic]");
    if (source) haptic(source.getAttribute("data-haptic"));
  });

  new MutationObserver((changes) => {
    for (const change of changes) {
      const element = change.target;
      const now = element.getAttribute("data-outcome");
      if (now === change.oldValue) continue;
      if (now === "succeeded") {
        reveal(element, performance.now());
        haptic("success");
      } else if (now === "failed") haptic("error");
    }
  }).observe(document, { subtree: true, attributes: true, attributeOldValue: true, attributeFilter: ["data-outcome"] });

  window.mwsHaptic = haptic;
})();
