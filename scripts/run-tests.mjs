#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test and test/ with Node's test runner.
// (Node 20's --test takes no glob patterns, so the files are listed here.)
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = join(import.meta.dirname, '..');
const roots = [join(root, 'test'), ...readdirSync(join(root, 'packages')).map((p) => join(root, 'packages', p, 'test'))];
const files = [];
const walk = (dir) => {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(relative(root, path));
  }
};
roots.forEach(walk);
files.sort();
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  // node --test with no file would look for test files of its own, not ours.
  console.error(`no test file matches ${filter.join(', ')}`);
  process.exit(1);
}
// The tests' temporary files (data folders of the all-ins-one they start, spools, config files)
// go to one folder per run, removed when the run ends: TMPDIR is what os.tmpdir() reads.
// SPYGLASS_KEEP_TEST_TMP=1 keeps it, to look at what a failed test left.
const scratch = mkdtempSync(join(tmpdir(), 'spyglass-tests-'));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...selected],
  { stdio: 'inherit', cwd: root, env: { ...process.env, TMPDIR: scratch } },
);
if (process.env.SPYGLASS_KEEP_TEST_TMP === '1') console.log(`# test files kept in ${scratch}`);
else rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
