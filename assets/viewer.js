// The asset page's hands-on parts: image zoom (buttons, wheel, pinch, drag), keys and swipes in the
// full-screen viewer, seeking audio by its waveform, and sharing links (the system share sheet through
// the Web Share API where there is one, else copied). Listeners sit on the document once, so they keep
// working as Reflex re-renders the page.
(() => {
  if (window.mwsViewer) return;
  const view = { scale: 1, x: 0, y: 0, pinch: null, touch: null, drag: null };
  const find = (selector) => document.querySelector(selector);
  const inside = (event, selector) => event.target instanceof Element && event.target.closest(selector);

  function apply() {
    const image = find("[data-zoom-target]");
    if (image) {
      image.style.transform = `translate(${view.x}px, ${view.y}px) scale(${view.scale})`;
      image.style.cursor = view.scale > 1 ? "grab" : "default";
    }
    const label = find("[data-zoom-label]");
    if (label) label.textContent = `${Math.round(view.scale * 100)}%`;
  }

  function zoomTo(scale) {
    view.scale = Math.min(8, Math.max(1, scale));
    if (view.scale === 1) view.x = view.y = 0;
    apply();
  }

  function reset() {
    view.pinch = view.touch = view.drag = null;
    zoomTo(1);
  }

  function press(name) {
    const button = find(`[data-viewer] [data-nav="${name}"]`);
    if (!button || button.disabled) return false;
    button.click();
    reset();
    return true;
  }

  function distance(touches) {
    return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds || 0));
    return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")}`;
  }

  function paint(audio) {
    const wave = find(`[data-waveform][data-audio="${audio.id}"]`);
    if (!wave || !(audio.duration > 0)) return;
    const fraction = Math.min(1, audio.currentTime / audio.duration);
    wave.style.setProperty("--played", `${(fraction * 100).toFixed(2)}%`);
    wave.setAttribute("aria-valuenow", String(Math.round(fraction * 100)));
    wave.setAttribute("aria-valuetext", `${clock(audio.currentTime)} of ${clock(audio.duration)}`);
  }

  function seek(wave, fraction) {
    const audio = document.getElementById(wave.getAttribute("data-audio"));
    if (!audio) return;
    const go = () => {
      audio.currentTime = Math.min(1, Math.max(0, fraction)) * audio.duration;
      paint(audio);
    };
    if (audio.duration > 0 && Number.isFinite(audio.duration)) go();
    else {
      audio.addEventListener("loadedmetadata", go, { once: true });
      audio.load();
    }
  }

  function keepFocusIn(viewer, event) {
    const stops = [...viewer.querySelectorAll("button, [href], [tabindex]:not([tabindex='-1'])")].filter(
      (stop) => !stop.disabled && stop.getClientRects().length > 0,
    );
    if (!stops.length) return;
    const first = stops[0];
    const last = stops[stops.length - 1];
    const here = document.activeElement;
    const wrap = !viewer.contains(here) || here === (event.shiftKey ? first : last);
    if (wrap) {
      (event.shiftKey ? last : first).focus();
      event.preventDefault();
    }
  }

  document.addEventListener("keydown", (event) => {
    const wave = inside(event, "[data-waveform]");
    if (wave && ["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) {
      const audio = document.getElementById(wave.getAttribute("data-audio"));
      if (!audio || !(audio.duration > 0)) return;
      const now = audio.currentTime / audio.duration;
      const step = 5 / audio.duration;
      const to = { ArrowLeft: now - step, ArrowRight: now + step, Home: 0, End: 1 }[event.key];
      seek(wave, to);
      event.preventDefault();
      return;
    }
    const viewer = find("[data-viewer]");
    if (!viewer) return;
    if (event.key === "Tab") {
      keepFocusIn(viewer, event);
      return;
    }
    const keys = { ArrowRight: () => press("next"), ArrowLeft: () => press("prev"), Escape: () => press("close") };
    if (keys[event.key]) {
      keys[event.key]();
      event.preventDefault();
    } else if (event.key === "+" || event.key === "=") zoomTo(view.scale * 1.25);
    else if (event.key === "-") zoomTo(view.scale / 1.25);
    else if (event.key === "0") reset();
  });

  document.addEventListener("click", (event) => {
    const zoom = inside(event, "[data-zoom]");
    if (zoom) {
      const how = zoom.getAttribute("data-zoom");
      if (how === "in") zoomTo(view.scale * 1.25);
      else if (how === "out") zoomTo(view.scale / 1.25);
      else reset();
      return;
    }
    const wave = inside(event, "[data-waveform]");
    if (wave) {
      const box = wave.getBoundingClientRect();
      seek(wave, (event.clientX - box.left) / box.width);
    }
  });

  document.addEventListener(
    "wheel",
    (event) => {
      if (!inside(event, "[data-viewer-stage]")) return;
      event.preventDefault();
      zoomTo(view.scale * (event.deltaY < 0 ? 1.15 : 1 / 1.15));
    },
    { passive: false },
  );

  document.addEventListener(
    "touchstart",
    (event) => {
      if (!inside(event, "[data-viewer-stage]")) return;
      if (event.touches.length === 2) {
        view.pinch = { distance: distance(event.touches), scale: view.scale };
        view.touch = null;
      } else if (event.touches.length === 1) {
        const t = event.touches[0];
        view.touch = { x: t.clientX, y: t.clientY, fromX: view.x, fromY: view.y };
      }
    },
    { passive: true },
  );

  document.addEventListener(
    "touchmove",
    (event) => {
      if (!inside(event, "[data-viewer-stage]")) return;
      if (view.pinch && event.touches.length === 2) {
        zoomTo((view.pinch.scale * distance(event.touches)) / view.pinch.distance);
        event.preventDefault();
      } else if (view.touch && view.scale > 1 && event.touches.length === 1) {
        const t = event.touches[0];
        view.x = view.touch.fromX + t.clientX - view.touch.x;
        view.y = view.touch.fromY + t.clientY - view.touch.y;
        apply();
        event.preventDefault();
      }
    },
    { passive: false },
  );

  document.addEventListener("touchend", (event) => {
    if (view.pinch) {
      if (event.touches.length < 2) view.pinch = null;
      return;
    }
    const start = view.touch;
    view.touch = null;
    if (!start || view.scale > 1 || !inside(event, "[data-viewer-stage]")) return;
    const t = event.changedTouches[0];
    const dx = t.clientX - start.x;
    const dy = t.clientY - start.y;
    if (Math.abs(dx) > 50 && Math.abs(dx) > 1.5 * Math.abs(dy)) press(dx < 0 ? "next" : "prev");
  });

  document.addEventListener("mousedown", (event) => {
    if (view.scale <= 1 || !inside(event, "[data-zoom-target]")) return;
    view.drag = { x: event.clientX, y: event.clientY, fromX: view.x, fromY: view.y };
    event.preventDefault();
  });
  document.addEventListener("mousemove", (event) => {
    if (!view.drag) return;
    view.x = view.drag.fromX + event.clientX - view.drag.x;
    view.y = view.drag.fromY + event.clientY - view.drag.y;
    apply();
  });
  document.addEventListener("mouseup", () => {
    view.drag = null;
  });

  for (const name of ["timeupdate", "seeked", "loadedmetadata"]) {
    document.addEventListener(
      name,
      (event) => {
        if (event.target instanceof HTMLAudioElement) paint(event.target);
      },
      true,
    );
  }

  function whenThere(selector, then, tries = 60) {
    const found = find(selector);
    if (found) then(found);
    else if (tries > 0) requestAnimationFrame(() => whenThere(selector, then, tries - 1));
  }

  function say(text) {
    whenThere("[data-share-status]", (status) => {
      status.textContent = text;
    });
  }

  // The share sheet where the browser has one; the link copied where it has none or refuses this one.
  async function share(url, title) {
    const absolute = new URL(url, window.location.origin).href;
    if (typeof navigator.share === "function") {
      try {
        await navigator.share({ title: title || document.title, url: absolute });
        whenThere("[data-share-url]", (field) => {
          field.value = absolute;
        });
        say("Shared.");
        if (window.mwsHaptic) window.mwsHaptic("success");
        return;
      } catch (error) {
        if (error && error.name === "AbortError") {
          say("Not shared.");
          whenThere("[data-share-url]", (field) => {
            field.value = absolute;
          });
          return;
        }
      }
    }
    await copyLink(absolute);
  }

  async function copyLink(url) {
    const absolute = new URL(url, window.location.origin).href;
    let copied = false;
    try {
      await navigator.clipboard.writeText(absolute);
      copied = true;
    } catch (error) {
      copied = false;
    }
    whenThere("[data-share-url]", (field) => {
      field.value = absolute;
      if (!copied) {
        field.select();
        try {
          copied = document.execCommand("copy");
        } catch (error) {
          copied = false;
        }
      }
      const status = find("[data-share-status]");
      if (status) status.textContent = copied ? "Link copied." : "Copy the link below.";
      if (copied && window.mwsHaptic) window.mwsHaptic("success");
    });
  }

  window.mwsViewer = { reset, copyLink, share };
})();
