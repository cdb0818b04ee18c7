// Sonner's toaster, fetched a few seconds after the page started (or at its first toast) instead of with
// every page's first scripts. Until then `refs['__toast']` (Reflex's toast events) and `window.mwsToast`
// (assets/feedback.js) are a stand-in that keeps the toasts asked for; they are shown, in order, once the
// toaster is on screen.
import { lazy, Suspense, useContext, useEffect, useState } from "react";
import { refs } from "$/utils/state";
import { ColorModeContext } from "$/utils/context";

const METHODS = ["success", "error", "info", "warning", "loading", "message", "custom", "promise"];
const waiting = [];
let sonner = null; // the module, once fetched
let ready = false; // its toaster is on screen: toasts go straight to it
let loading = null;
let wake = null;

const load = () =>
  (loading ??= import("sonner").then((module) => {
    sonner = module;
    return module;
  }));

const later = (method) => (...args) => {
  if (ready) return method ? sonner.toast[method](...args) : sonner.toast(...args);
  waiting.push([method, args]);
  wake?.();
  return args[1]?.id;
};
const standIn = Object.assign(later(null), Object.fromEntries(METHODS.map((name) => [name, later(name)])), {
  // Reflex dismisses its connection toast on every start: a dismissal alone never fetches the toaster.
  dismiss: (id) => {
    if (ready) return sonner.toast.dismiss(id);
    for (let at = waiting.length - 1; at >= 0; at -= 1) {
      if (id === undefined || waiting[at][1][1]?.id === id) waiting.splice(at, 1);
    }
    return id;
  },
  getToasts: () => (ready ? sonner.toast.getToasts() : []),
  getHistory: () => (ready ? sonner.toast.getHistory() : []),
});

const hand = (api) => {
  refs["__toast"] = api;
  if (typeof window !== "undefined") window.mwsToast = api;
};
hand(standIn);

// A failed fetch (a phone losing its connection) leaves toasts waiting rather than the page broken.
const Unavailable = () => null;
const Toaster = lazy(() =>
  load().then(
    (module) => ({ default: module.Toaster }),
    () => ({ default: Unavailable }),
  ),
);

function ShowWaiting() {
  useEffect(() => {
    if (!sonner) return;
    ready = true;
    hand(sonner.toast);
    for (const [method, args] of waiting.splice(0)) {
      if (method) sonner.toast[method](...args);
      else sonner.toast(...args);
    }
  }, []);
  return null;
}

export default function LazyToaster(props) {
  const { resolvedColorMode } = useContext(ColorModeContext);
  const [wanted, setWanted] = useState(false);
  useEffect(() => {
    const start = () => setWanted(true);
    wake = start;
    if (waiting.length) start();
    // Well after the page has started (its hydration and first data), when the browser is idle.
    const idle = self.requestIdleCallback || ((work) => setTimeout(work, 0));
    const timer = setTimeout(() => idle(start, { timeout: 2000 }), 3000);
    return () => {
      wake = null;
      clearTimeout(timer);
    };
  }, []);
  if (!wanted) return null;
  return (
    <Suspense fallback={null}>
      <Toaster theme={resolvedColorMode} {...props} />
      <ShowWaiting />
    </Suspense>
  );
}
