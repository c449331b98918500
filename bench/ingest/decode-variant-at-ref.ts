import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MappedRequest } from '@spyglass/otlp';

const ROOT = join(import.meta.dirname, '..', '..');

/** What the decode benchmark measures: one request body in, its rows out. */
export type Decode = (body: Buffer) => MappedRequest;

/**
 * The protobuf traces transcoder as it is at a git ref (a commit, a branch,
 * HEAD), for side-by-side runs: packages/otlp/src at `ref` is extracted into a
 * temporary folder (it imports nothing outside itself) and loaded next to the
 * working tree's. The folder is removed when the process exits.
 */
export async function transcoderAtRef(ref: string): Promise<Decode> {
  const dir = mkdtempSync(join(tmpdir(), 'spyglass-decode-bench-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const archive = execFileSync('git', ['archive', ref, 'packages/otlp/src'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync('tar', ['-x', '-C', dir], { input: archive });
  // Loaded as ES modules, like the working tree's package.
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const mod = (await import(join(dir, 'packages', 'otlp', 'src', 'index.ts'))) as {
    transcodeTracesProto: Decode;
  };
  return mod.transcodeTracesProto;
}
