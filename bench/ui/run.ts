/**
 * npm run bench:ui [-- --data-dir DIR] [--runs 7] [--record]
 *
 * The UI's goals on the query benchmark's dataset (bench/query: 10M spans over 4 hours):
 *  - the search page shows its first results within 1 s of load;
 *  - a 10,000-span trace renders within 1 s and scrolls smoothly;
 *  - the initial JavaScript is at most 500 KB gzipped.
 * DIR is a data folder loaded by `npm run bench:query -- --data-dir DIR`; without it, a
 * 1M-span dataset is loaded first by that same script. A 10,000-span trace is added over
 * OTLP. Each page load is a fresh browser context (cold HTTP cache), in Debian's Chromium;
 * times are the page's own clock from navigation start. Side by side, in the same run, the
 * API calls the page waits for, timed alone: the part of each number that is the UI's.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureUiBuilt } from '@spyglass/ui';
import { startSpyglassOnFreePorts } from '../../test/support/spyglass-process.ts';
import { launchChromium } from '../../test/support/ui-browser.ts';
import { bigTrace, tracesRequest } from '../../test/support/ui-seed.ts';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    runs: { type: 'string', default: '7' },
    record: { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const ROOT = join(import.meta.dirname, '..', '..');

// 0. The dataset.
let dataDir = values['data-dir'];
if (!dataDir) {
  dataDir = mkdtempSync(join(tmpdir(), 'spyglass-bench-ui-'));
  console.log(`no --data-dir: loading 1M spans with bench/query into ${dataDir}`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'bench/query/run.ts', '--spans', '1000000', '--runs', '1', '--data-dir', dataDir],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (r.status !== 0) throw new Error('loading the dataset failed');
}
const marker = join(dataDir, 'bench-loaded.json');
if (!existsSync(marker))
  throw new Error(`${dataDir} has no dataset: run npm run bench:query -- --data-dir ${dataDir}`);
const dataset = JSON.parse(readFileSync(marker, 'utf8')) as { startMs: number; endMs: number };

// 1. Initial JavaScript: the entry script and what index.html preloads, gzipped as served.
const ui = await ensureUiBuilt({ quiet: true });
const html = readFileSync(join(ui.dir, 'index.html'), 'utf8');
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
const gz = (file: string) => statSync(join(ui.dir, `${file}.gz`)).size;
const initialJsGz = initial.filter((f) => f.endsWith('.js')).reduce((n, f) => n + gz(f), 0);
const initialCssGz = initial.filter((f) => f.endsWith('.css')).reduce((n, f) => n + gz(f), 0);

// 2. The all-in-one on the dataset, plus one 10,000-span trace.
const { child: server, ports } = await startSpyglassOnFreePorts({
  dataDir,
  config: 'clickhouseHttp:\n  enabled: false\n',
});
// A failed run must not leave the all-in-one holding the data folder.
process.on('exit', () => server.kill('SIGTERM'));
const base = `http://127.0.0.1:${ports.http}`;
const big = bigTrace(10_000, BigInt(dataset.endMs - 30 * 60_000) * 1_000_000n);
const bigTraceId = big[0]!.traceId;
for (let i = 0; i < big.length; i += 5000) {
  const r = await fetch(`http://127.0.0.1:${ports.otlp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(tracesRequest(big.slice(i, i + 5000))),
  });
  if (!r.ok) throw new Error(`seeding the big trace: ${r.status}`);
}
for (;;) {
  const r = await fetch(`${base}/api/v1/traces/${bigTraceId}`);
  if (r.ok && ((await r.json()) as { spans: unknown[] }).spans.length === 10_000) break;
  await new Promise((res) => setTimeout(res, 200));
}

const from = dataset.startMs - 60_000;
const to = dataset.endMs + 120_000;
const searchPath = `/search?from=${from}&to=${to}`;
const tracePath = `/trace/${bigTraceId}`;

const timeApi = async (call: () => Promise<Response>) => {
  const t = performance.now();
  const r = await call();
  await r.json();
  return performance.now() - t;
};
const apiSearch = () =>
  timeApi(() =>
    fetch(`${base}/api/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signal: 'traces', query: '', from, to, limit: 200 }),
    }),
  );
const apiTrace = () => timeApi(() => fetch(`${base}/api/v1/traces/${bigTraceId}`));

const browser = await launchChromium();
const FIRST_PAINT_PROBE = readFileSync(join(import.meta.dirname, 'first-paint-probe.js'), 'utf8');

/**
 * Milliseconds from navigation start until `selector` is on screen (the first frame after it
 * enters the document, by the page's own clock), and the API's own time for `apiPath`
 * (Server-Timing) in that page load.
 */
const timeToSelector = async (path: string, selector: string, apiPath: string) => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript(`window.__probeSelector = ${JSON.stringify(selector)};\n${FIRST_PAINT_PROBE}`);
  const page = await context.newPage();
  await page.goto(base + path, { waitUntil: 'commit' });
  await page.waitForFunction(
    () => typeof (window as { __probeSeenAt?: unknown }).__probeSeenAt === 'number',
    null,
    {
      timeout: 30_000,
    },
  );
  const result = await page.evaluate((api) => {
    const seenAt = (window as { __probeSeenAt?: number }).__probeSeenAt!;
    const call = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).find((r) =>
      r.name.includes(api),
    );
    return { seenAt, serverMs: call?.serverTiming.find((t) => t.name === 'api')?.duration ?? NaN };
  }, apiPath);
  await context.close();
  return result;
};

/** Scrolls the waterfall for 2 s, a step per frame; frame intervals in ms (scroll-probe.js). */
const SCROLL_PROBE = readFileSync(join(import.meta.dirname, 'scroll-probe.js'), 'utf8');
const scrollFrames = async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(base + tracePath);
  await page.waitForSelector('[data-testid="waterfall-row"]');
  const frames = (await page.evaluate(SCROLL_PROBE)) as { intervals: number[]; scrolled: number };
  await context.close();
  return frames;
};

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: q(0.5), p95: q(0.95), max: s.at(-1)! };
};

// Warm-up: the first navigation also starts the browser's own machinery.
await timeToSelector(searchPath, '[data-testid="result-row"]', '/api/v1/search');
const searchPage: number[] = [];
const searchInPage: number[] = [];
const searchApi: number[] = [];
const tracePage: number[] = [];
const traceInPage: number[] = [];
const traceApi: number[] = [];
for (let i = 0; i < runs; i++) {
  searchApi.push(await apiSearch());
  const s = await timeToSelector(searchPath, '[data-testid="result-row"]', '/api/v1/search');
  searchPage.push(s.seenAt);
  searchInPage.push(s.serverMs);
  traceApi.push(await apiTrace());
  const t = await timeToSelector(tracePath, '[data-testid="waterfall-row"]', '/api/v1/traces/');
  tracePage.push(t.seenAt);
  traceInPage.push(t.serverMs);
}
const scroll = await scrollFrames();
const frames = stats(scroll.intervals.slice(1));
const janky = scroll.intervals.filter((f) => f > 50).length;
await browser.close();
server.kill('SIGTERM');

const ms = (n: number) => `${Math.round(n)} ms`;
const rows: Array<[string, string, string, string]> = [
  [
    'search page: first results (p50 / p95)',
    `${ms(stats(searchPage).p50)} / ${ms(stats(searchPage).p95)}`,
    '<= 1000 ms',
    `API alone ${ms(stats(searchApi).p50)} / ${ms(stats(searchApi).p95)}; its server time during the page load ${ms(stats(searchInPage).p50)} / ${ms(stats(searchInPage).p95)}`,
  ],
  [
    '10k-span trace: first rows (p50 / p95)',
    `${ms(stats(tracePage).p50)} / ${ms(stats(tracePage).p95)}`,
    '<= 1000 ms',
    `API alone ${ms(stats(traceApi).p50)} / ${ms(stats(traceApi).p95)}; its server time during the page load ${ms(stats(traceInPage).p50)} / ${ms(stats(traceInPage).p95)}`,
  ],
  [
    '10k-span trace: scroll frame (p50 / p95 / max)',
    `${frames.p50.toFixed(1)} / ${frames.p95.toFixed(1)} / ${frames.max.toFixed(1)} ms`,
    'smooth (p95 <= 33 ms)',
    `${scroll.intervals.length} frames, ${janky} over 50 ms, ${Math.round(scroll.scrolled)} px`,
  ],
  [
    'initial JavaScript (gzipped)',
    `${(initialJsGz / 1024).toFixed(1)} KB`,
    '<= 500 KB',
    `+ ${(initialCssGz / 1024).toFixed(1)} KB CSS; ${initial.length} files`,
  ],
];
const table = [
  '| measure | result | goal | side by side |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(`\nUI benchmark on ${dataDir} (${runs} cold page loads each)\n\n${table}\n`);
if (values.record) {
  appendFileSync(
    join(import.meta.dirname, 'RESULTS.md'),
    `\n### ${new Date().toISOString()} (${runs} runs, data: ${dataDir})\n\n${table}\n`,
  );
}
process.exit(0);
