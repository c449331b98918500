import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { runInThisContext } from 'node:vm';
import { FACADE } from '../src/build/lazy-performance-plugin.ts';

// build/lazy-performance-plugin.ts puts a facade over the global `performance` in place of
// @opentelemetry/core's `otperformance`: it must answer as performance does, and have every member
// the installed OpenTelemetry packages read.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const facade = runInThisContext(`(${FACADE})`) as { now(): number; timeOrigin: number };

test("the facade's now() and timeOrigin are performance's", () => {
  assert.equal(facade.timeOrigin, performance.timeOrigin);
  const before = performance.now();
  const now = facade.now();
  assert.ok(now >= before && now <= performance.now(), `${before} <= ${now}`);
});

test('the installed OpenTelemetry packages read no member of otperformance the facade lacks', () => {
  const read = new Set<string>();
  let files = 0;
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js')) {
        const source = readFileSync(path, 'utf8');
        if (!source.includes('otperformance')) continue;
        files++;
        for (const m of source.matchAll(/otperformance\)?\.(\w+)/g)) read.add(m[1]!);
      }
    }
  };
  for (const modules of [join(ROOT, 'node_modules'), join(ROOT, 'packages', 'agent', 'node_modules')])
    walk(join(modules, '@opentelemetry'));
  assert.ok(files > 0, 'the packages were found (core defines otperformance)');
  assert.deepEqual(
    [...read].filter((member) => !(member in facade)),
    [],
  );
  assert.ok(read.has('now'), 'the scan sees the reads it checks');
});
