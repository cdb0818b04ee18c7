// Write sw.js (Workbox generateSW) into a production build: node build_sw.cjs <build dir> <workbox-build dir>
"use strict";

const fs = require("fs");
const path = require("path");

const [buildDir, workboxBuild] = process.argv.slice(2);
const { generateSW } = require(workboxBuild);
const { pageShell, wholeBody } = require("./sw_plugins.cjs");

const SHELL_QUERY = "?shell";
const ASSET_REF = /\/assets\/[^"'\s)]+?\.(?:js|css)/g;

// The hashed JS/CSS every page needs: what the pages' HTML and React Router's route manifest reference.
function shellAssets() {
  const found = new Set();
  const scan = (file) => {
    for (const ref of fs.readFileSync(file, "utf8").match(ASSET_REF) || []) found.add(ref.slice(1));
  };
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== "assets") walk(full);
      else if (entry.name.endsWith(".html")) scan(full);
    }
  };
  walk(buildDir);
  for (const name of fs.readdirSync(path.join(buildDir, "assets"))) {
    if (/^manifest-[\w-]+\.js$/.test(name)) scan(path.join(buildDir, "assets", name));
  }
  return [...found].filter((file) => fs.existsSync(path.join(buildDir, file))).sort();
}

// Pages are network-first (runtime route below): their precached copies get a query so that the precache
// route never answers a navigation, and serve only as the offline fallback.
function shellKeys(entries) {
  const manifest = entries.map((entry) =>
    entry.url.endsWith(".html") ? { ...entry, url: entry.url + SHELL_QUERY } : entry,
  );
  return { manifest, warnings: [] };
}

generateSW({
  globDirectory: buildDir,
  globPatterns: [
    "**/index.html",
    "__spa-fallback.html",
    ...shellAssets(),
    "*.{js,css,ico,webmanifest}",
    "icons/*.png",
  ],
  globIgnores: ["sw.js", "workbox-*.js", "**/*.gz", "**/*.br", "**/*.zst"],
  manifestTransforms: [shellKeys],
  dontCacheBustURLsMatching: /^assets\//,
  maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
  swDest: path.join(buildDir, "sw.js"),
  importScripts: ["/outbox.js"],
  cacheId: "mediaws",
  clientsClaim: true,
  skipWaiting: false,
  cleanupOutdatedCaches: true,
  sourcemap: false,
  mode: "production",
  // The functions below are copied into sw.js as source: they may use nothing from this file.
  runtimeCaching: [
    {
      urlPattern: ({ url, sameOrigin }) => sameOrigin && /^\/assets\/[^/]+-[\w-]{8}\.\w+$/.test(url.pathname),
      handler: "CacheFirst",
      options: {
        cacheName: "mediaws-assets",
        expiration: { maxEntries: 400 },
        cacheableResponse: { statuses: [200] },
        plugins: [wholeBody],
      },
    },
    {
      urlPattern: ({ request, url, sameOrigin }) =>
        sameOrigin && request.mode === "navigate" && !/^\/(?:_event|_upload|_session|api|files|docs|redoc|openapi\.json)(?:\/|$)/.test(url.pathname),
      handler: "NetworkFirst",
      options: {
        cacheName: "mediaws-pages",
        networkTimeoutSeconds: 4,
        expiration: { maxEntries: 50 },
        cacheableResponse: { statuses: [200] },
        plugins: [wholeBody, pageShell],
      },
    },
    {
      // Pictures seen (thumbnails, previews, opened images), keyed without the link's expiry and signature
      // so the offline views find them by path; never ranged media.
      urlPattern: ({ request, url, sameOrigin }) =>
        sameOrigin && url.pathname.startsWith("/files/") && request.destination === "image" && !request.headers.has("range"),
      handler: "StaleWhileRevalidate",
      options: {
        cacheName: "mediaws-files",
        expiration: { maxEntries: 300, maxAgeSeconds: 30 * 24 * 3600 },
        cacheableResponse: { statuses: [200] },
        plugins: [wholeBody, { cacheKeyWillBeUsed: async ({ request }) => request.url.split("?")[0] }],
      },
    },
    {
      // JSON reads only: not the token/auth routes, nor file contents and exports (large, ranged, downloads).
      urlPattern: ({ request, url, sameOrigin }) =>
        sameOrigin &&
        url.pathname.startsWith("/api/") &&
        !/^\/api\/(?:auth|tokens)(?:\/|$)|\/(?:file|export|zip)$/.test(url.pathname) &&
        !request.headers.has("range"),
      handler: "NetworkFirst",
      method: "GET",
      options: {
        cacheName: "mediaws-api",
        networkTimeoutSeconds: 3,
        expiration: { maxEntries: 200, maxAgeSeconds: 7 * 24 * 3600 },
        cacheableResponse: { statuses: [200] },
        plugins: [wholeBody],
      },
    },
    {
      // The API docs (/docs, /redoc, the spec and the Swagger UI/ReDoc files the app serves): readable offline.
      urlPattern: ({ url, sameOrigin }) => sameOrigin && /^\/(?:docs|redoc|openapi\.json)(?:\/|$)/.test(url.pathname),
      handler: "NetworkFirst",
      options: {
        cacheName: "mediaws-docs",
        networkTimeoutSeconds: 4,
        expiration: { maxEntries: 20 },
        cacheableResponse: { statuses: [200] },
        plugins: [wholeBody],
      },
    },
  ],
})
  .then(({ count, size, warnings }) => {
    for (const warning of warnings) console.warn(warning);
    console.log(`sw.js: ${count} files precached (${Math.round(size / 1024)} KiB)`);
  })
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
