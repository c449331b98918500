// Installed in the page before its scripts run (page.addInitScript with this file's text): records,
// by the page's clock, the first animation frame after an element matching window.__probeSelector
// enters the document, i.e. when the user first sees it. Read back as window.__probeSeenAt.
(() => {
  const observer = new MutationObserver(() => {
    if (window.__probeSeenAt !== undefined || !window.__probeSelector) return;
    if (!document.querySelector(window.__probeSelector)) return;
    window.__probeSeenAt = null;
    observer.disconnect();
    requestAnimationFrame(() => {
      window.__probeSeenAt = performance.now();
    });
  });
  observer.observe(document, { childList: true, subtree: true });
})();
