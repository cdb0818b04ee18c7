// Workbox plugins for sw.js's runtime caches. generateSW copies their functions into sw.js as source, so
// each may use nothing outside itself.
"use strict";

// Offline: the page as last visited is gone too, so answer with its precached HTML: the page's own, its
// route's template for an address with ids (`/projects/<id>` → `/projects/_/`), or the SPA shell.
const pageShell = {
  handlerDidError: async ({ request }) => {
    const dir = new URL(request.url).pathname.replace(/\/?$/, "/");
    const ids = /\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/)/gi;
    return (
      (await caches.match(`${dir}index.html`, { ignoreSearch: true })) ||
      (await caches.match(`${dir.replace(ids, "/_")}index.html`, { ignoreSearch: true })) ||
      (await caches.match("/__spa-fallback.html", { ignoreSearch: true })) ||
      Response.error()
    );
  },
};

// Chromium's Cache API drops the stored entry when a put starts and writes the new body as it arrives: a
// connection lost while refreshing a saved read would lose the saved copy too. So the body is read whole
// first, and a response that fails midway is not stored: the copy saved before stays.
const wholeBody = {
  cacheWillUpdate: async ({ response }) => {
    try {
      const body = await response.blob();
      return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
    } catch {
      return null;
    }
  },
};

module.exports = { pageShell, wholeBody };
