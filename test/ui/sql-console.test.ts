import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chromiumPeer, screenshot, watchPageErrors } from '../support/ui-browser.ts';
import { useUiBackend } from '../support/ui-backend.ts';

const peer = chromiumPeer();

if (peer.available) {
  const backend = useUiBackend();

  test('SQL runs read-only, shows typed columns, charts, and its link reruns it', async () => {
    const page = await backend().browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = watchPageErrors(page);
    await page.goto(`${backend().baseUrl}/sql`);
    const editor = page.locator('.cm-content');
    await editor.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type(
      'SELECT ServiceName, count() AS spans FROM otel_traces GROUP BY ServiceName ORDER BY ServiceName',
    );
    await page.keyboard.press('Control+Enter');
    await page.getByTestId('sql-summary').getByText('4 rows').waitFor();
    const header = await page.getByTestId('sql-table').innerText();
    assert.match(header, /ServiceName\s+LowCardinality\(String\)/);
    assert.match(header, /spans\s+UInt64/);
    const rows = await page.getByTestId('sql-row').allInnerTexts();
    assert.deepEqual(
      rows.map((r) => r.split(/\s+/)[0]),
      ['fulfillment', 'orders', 'payments', 'web'],
    );
    await screenshot(page, 'sql-table');
    await page.getByTestId('sql-view').getByText('Chart').click();
    await page.getByTestId('sql-chart').waitFor();
    await screenshot(page, 'sql-chart');
    // The URL carries the query: opening it reruns it.
    const link = page.url();
    assert.match(new URL(link).searchParams.get('q') ?? '', /GROUP BY ServiceName/);
    await page.goto(link);
    await page.getByTestId('sql-summary').getByText('4 rows').waitFor();
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('writes are refused with a clear error, and the store is untouched', async () => {
    const page = await backend().browser.newPage();
    await page.goto(`${backend().baseUrl}/sql?q=${encodeURIComponent('DROP TABLE otel_traces')}`);
    const error = page.getByTestId('error-state');
    await error.waitFor();
    assert.match(await error.innerText(), /Only reads are allowed/);
    assert.match(await error.innerText(), /FORBIDDEN_SQL/);
    const [row] = await backend().spyglass.store.driver.queryRows<{ n: string }>(
      'SELECT count() AS n FROM otel_traces',
    );
    assert.equal(Number(row?.n), backend().seeded.spanCount);
    await page.close();
  });

  test('the editor completes table and column names from the schema', async () => {
    const page = await backend().browser.newPage();
    await page.goto(`${backend().baseUrl}/sql`);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('SELECT SpanAttr');
    const completion = page.locator('.cm-tooltip-autocomplete');
    await completion.getByText('SpanAttributes').first().waitFor();
    await page.keyboard.press('Escape');
    await page.keyboard.type(' FROM otel_tr');
    await completion.getByText('otel_traces').first().waitFor();
    await screenshot(page, 'sql-autocomplete');
    await page.close();
  });
} else {
  test('UI SQL console end-to-end tests', { skip: peer.skip }, () => {});
}
