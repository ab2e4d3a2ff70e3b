/* Offline reading of the news pages (issue #12: "phone-first, offline-safe").
 * Served by the platform at /publicity/news/sw.js (scope /publicity/news/). News pages are read
 * network-first and kept in the cache as they are visited; their assets (static files, photos)
 * stale-while-revalidate. Offline, a visited page comes from the cache (the page itself shows
 * the offline notice), an unvisited one gets the cached offline page. When a news page redirects
 * (the session ended) the cache is emptied, so a logged-out phone keeps no pages; when another
 * person opens a news page, the saved pages of the one before are dropped. */
"use strict";

const CACHE = "pub-news-v2";
const SCOPE = new URL(self.registration.scope).pathname;
const OFFLINE = SCOPE + "offline/";

function isPage(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(SCOPE) && !url.pathname.endsWith("/sw.js");
}

function isAsset(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith("/static/") || url.pathname.startsWith("/publicity/photos/"));
}

async function keep(request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

async function page(request) {
  try {
    const response = await fetch(request);
    if (response.redirected && !new URL(response.url).pathname.startsWith(SCOPE)) {
      await caches.delete(CACHE); // sent to the login page: nothing stays readable
      return response;
    }
    return await keep(request, response);
  } catch (err) {
    const cached = await caches.match(request, {ignoreVary: true});
    return cached || (await caches.match(OFFLINE)) || Response.error();
  }
}

async function asset(request) {
  const cached = await caches.match(request);
  const network = fetch(request).then((r) => keep(request, r)).catch(() => cached);
  return cached || network;
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.add(new Request(OFFLINE, {credentials: "same-origin"})))
    .catch(() => undefined).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((n) => n.startsWith("pub-news-") && n !== CACHE).map((n) => caches.delete(n))
  )).then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (request.mode === "navigate" && isPage(url)) {
    event.respondWith(page(request));
  } else if (isAsset(url)) {
    event.respondWith(asset(request));
  }
});

/* The page that registered the worker was loaded before the worker controlled it: it sends its
 * own URL and its assets' so that this first visit is readable offline too. */
const OWNER = new Request(SCOPE + "__owner__");

/* The saved pages belong to one person: when another person opens a news page, the first one's
 * saved pages are dropped before theirs are kept. */
async function claimFor(user) {
  if (!user) return;
  const cache = await caches.open(CACHE);
  const owner = await cache.match(OWNER);
  if (owner && (await owner.text()) === user) return;
  await caches.delete(CACHE);
  await (await caches.open(CACHE)).put(OWNER, new Response(user));
  try {
    const offline = new Request(OFFLINE, {credentials: "same-origin", redirect: "manual"});
    await keep(offline, await fetch(offline));
  } catch (err) { /* offline */ }
}

self.addEventListener("message", (event) => {
  const urls = (event.data && Array.isArray(event.data.keep)) ? event.data.keep.slice(0, 50) : [];
  const user = (event.data && typeof event.data.user === "string") ? event.data.user : "";
  event.waitUntil(claimFor(user).then(() => Promise.all(urls.map(async (u) => {
    const url = new URL(u, self.location.origin);
    if (!(isPage(url) || isAsset(url))) return;
    // redirect "manual": a background save whose session has ended must not follow the redirect to
    // the login page, whose answer would set a new CSRF cookie under a person typing their password.
    const request = new Request(url.href, {credentials: "same-origin", redirect: "manual"});
    try {
      await keep(request, await fetch(request));
    } catch (err) { /* offline: nothing to keep */ }
  }))).then(() => event.source && event.source.postMessage({kept: urls.length})));
});
