// Pull to refresh on lists: on a page with a hidden [data-refresh] button, a one-finger drag down in <main>
// from the top of the page past THRESHOLD px shows an indicator and clicks that button, which runs the page's
// own load event (no page reload). With reduced motion the indicator does not follow the finger.
(() => {
  if (window.mwsPullRefresh) return;
  const THRESHOLD = 72;
  const MAX = 110;
  const calm = () => matchMedia("(prefers-reduced-motion: reduce)").matches;
  let pull = null;
  let busy = false;

  function indicator() {
    let box = document.querySelector(".pull-indicator");
    if (!box) {
      box = document.createElement("div");
      box.className = "pull-indicator";
      box.setAttribute("role", "status");
      box.innerHTML = '<span class="pull-arrow" aria-hidden="true">↓</span><span class="pull-text"></span>';
      document.body.appendChild(box);
    }
    return box;
  }

  function show(distance, text, state) {
    const box = indicator();
    box.dataset.state = state;
    if (state === "pulling") box.querySelector(".pull-arrow").textContent = "↓";
    box.querySelector(".pull-text").textContent = text;
    const offset = calm() ? 0 : Math.min(distance, MAX) - 48;
    box.style.setProperty("--pull", `${offset}px`);
  }

  function hide() {
    const box = document.querySelector(".pull-indicator");
    if (box) box.dataset.state = "idle";
  }

  function refresh() {
    const button = document.querySelector("[data-refresh]");
    if (!button) return hide();
    busy = true;
    show(THRESHOLD, "Refreshing…", "busy");
    indicator().querySelector(".pull-arrow").textContent = "↻";
    if (window.mwsHaptic) window.mwsHaptic("tap");
    button.click();
    setTimeout(() => {
      busy = false;
      hide();
    }, 900);
  }

  const blocked = (target) =>
    !(target instanceof Element) ||
    !target.closest("main") ||
    !document.querySelector("[data-refresh]") ||
    target.closest("[role=dialog], [data-viewer], input, textarea, select");

  document.addEventListener(
    "touchstart",
    (event) => {
      pull = null;
      if (busy || event.touches.length !== 1 || window.scrollY > 0 || blocked(event.target)) return;
      pull = { y: event.touches[0].clientY, distance: 0 };
    },
    { passive: true },
  );

  document.addEventListener(
    "touchmove",
    (event) => {
      if (!pull) return;
      const distance = (event.touches[0].clientY - pull.y) * 0.6;
      if (distance <= 0 || window.scrollY > 0) {
        pull.distance = 0;
        hide();
        return;
      }
      pull.distance = distance;
      show(distance, distance >= THRESHOLD ? "Release to refresh" : "Pull to refresh", "pulling");
    },
    { passive: true }, // nothing to cancel at the top: styles.css turns the browser's own pull off here
  );

  document.addEventListener("touchend", () => {
    const done = pull;
    pull = null;
    if (!done) return;
    if (done.distance >= THRESHOLD) refresh();
    else hide();
  });
  document.addEventListener("touchcancel", () => {
    pull = null;
    hide();
  });

  window.mwsPullRefresh = { refresh };
})();
