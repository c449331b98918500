import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';

const peer = chromiumPeer();

if (peer.available) {
  const backend = useUiBackend();

  test('every deep link loads its view, and the navigation reaches each view', async () => {
    const { browser, baseUrl } = backend();
    const page = await browser.newPage();
    const errors = watchPageErrors(page);
    for (const [path, testId] of [
      ['/search', 'search-page'],
      ['/services', 'services-page'],
      ['/service-map', 'service-map-page'],
      ['/sql', 'sql-page'],
    ] as const) {
      await page.goto(baseUrl + path);
      await page.getByTestId(testId).waitFor();
    }
    await page.goto(baseUrl + '/');
    assert.equal(new URL(page.url()).pathname, '/search', 'the root goes to search');
    await page.getByRole('link', { name: 'Services' }).click();
    await page.getByTestId('services-page').waitFor();
    await screenshot(page, 'app-shell-navigation');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the server answers deep links with the page and caches hashed assets for good', async () => {
    const { baseUrl } = backend();
    const html = await fetch(`${baseUrl}/trace/0123456789abcdef0123456789abcdef`);
    assert.equal(html.status, 200);
    assert.equal(html.headers.get('cache-control'), 'no-cache');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await html.text())?.[1];
    assert.ok(script, 'index.html references its script');
    const asset = await fetch(baseUrl + script, { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.match(asset.headers.get('content-encoding') ?? '', /br|gzip/);
    assert.equal((await fetch(`${baseUrl}/assets/nope.js`)).status, 404);
  });
} else {
  test('UI end-to-end tests', { skip: peer.skip }, () => {});
}
