// Runs in the page (page.evaluate of this file's text, so no build step rewrites it): scrolls the
// trace waterfall one step per animation frame for 2 s and returns the frame intervals.
(async () => {
  const start = document.querySelector('[data-testid="waterfall"]');
  const isScrollable = (e) => /(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight;
  let target = null;
  for (let e = start; e && !target; e = e.parentElement) if (isScrollable(e)) target = e;
  if (!target) target = Array.from(start.querySelectorAll('*')).find(isScrollable) ?? document.scrollingElement;
  const intervals = [];
  let last = performance.now();
  const end = last + 2000;
  await new Promise((resolve) => {
    const step = (now) => {
      intervals.push(now - last);
      last = now;
      target.scrollTop += 120;
      if (now < end) requestAnimationFrame(step);
      else resolve();
    };
    requestAnimationFrame(step);
  });
  return { intervals, scrolled: target.scrollTop };
})();
