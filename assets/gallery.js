// Infinite scroll for the gallery: when the "Load more" button comes near the screen, press it.
(function () {
  if (window.__mediawsGallery) return;
  window.__mediawsGallery = true;
  var watched = new WeakSet();
  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting && !entry.target.disabled) entry.target.click();
    });
  }, { rootMargin: "400px 0px" });
  function scan() {
    var button = document.getElementById("gallery-more");
    if (button && !watched.has(button)) {
      watched.add(button);
      observer.observe(button);
    }
  }
  new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true });
  scan();
})();
