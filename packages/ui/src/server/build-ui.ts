import { createHash } from 'node:crypto';
import { brotliCompressSync, constants as zlibConstants, gzipSync } from 'node:zlib';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The UI ships as static files built by Vite into dist/<source hash>/. The hash
 * covers every input of the build, so `spyglass up` (and the install's prepare
 * step) can call ensureUiBuilt() every time: it builds only when the sources
 * changed. Builds go to a temporary folder renamed into place, so concurrent
 * processes never serve half a build.
 */
const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = join(PACKAGE_DIR, 'dist');
const INPUTS = ['src', 'index.html', 'vite.config.ts', 'package.json'];

export interface BuiltUi {
  /** The folder holding index.html and assets/. */
  readonly dir: string;
  /** Whether this call ran the build. */
  readonly built: boolean;
}

/** The folder of the current build, or undefined when the sources changed since. */
export function findBuiltUi(): string | undefined {
  const dir = join(DIST, sourceHash());
  return existsSync(join(dir, 'index.html')) ? dir : undefined;
}

/**
 * The newest build on disk, current or not: while a changed UI is being rebuilt, the
 * previous one keeps being served rather than a "building" page.
 */
export function findLatestBuiltUi(): string | undefined {
  if (!existsSync(DIST)) return undefined;
  const builds = readdirSync(DIST)
    .filter((name) => !name.includes('.tmp-') && existsSync(join(DIST, name, 'index.html')))
    .map((name) => ({ dir: join(DIST, name), mtime: statSync(join(DIST, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  return builds[0]?.dir;
}

export async function ensureUiBuilt(options: { quiet?: boolean } = {}): Promise<BuiltUi> {
  const hash = sourceHash();
  const dir = join(DIST, hash);
  if (existsSync(join(dir, 'index.html'))) return { dir, built: false };
  const tmp = join(DIST, `${hash}.tmp-${process.pid}`);
  mkdirSync(DIST, { recursive: true });
  const { build } = await import('vite');
  await build({
    configFile: join(PACKAGE_DIR, 'vite.config.ts'),
    logLevel: options.quiet ? 'error' : 'warn',
    build: { outDir: tmp, emptyOutDir: true },
  });
  compressAssets(tmp);
  try {
    renameSync(tmp, dir);
  } catch {
    // Another process finished the same build first; its copy is identical.
    rmSync(tmp, { recursive: true, force: true });
  }
  removeOldBuilds(hash);
  return { dir, built: true };
}

/** Writes .gz and .br next to each text file, once, so that serving never compresses. */
function compressAssets(dir: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      compressAssets(path);
      continue;
    }
    if (!/\.(js|css|html|svg|json)$/.test(name)) continue;
    const data = readFileSync(path);
    writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
    writeFileSync(
      `${path}.br`,
      brotliCompressSync(data, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
  }
}

/**
 * Keeps the newest few builds: a server started before a rebuild still serves the build it
 * started with (its index.html names that build's assets), so that one must not vanish under it.
 */
const BUILDS_KEPT = 3;

function removeOldBuilds(current: string): void {
  const builds = readdirSync(DIST)
    .filter((name) => name !== current && !name.includes('.tmp-'))
    .map((name) => ({ name, mtime: statSync(join(DIST, name)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(BUILDS_KEPT - 1))
    rmSync(join(DIST, old.name), { recursive: true, force: true });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) visit(join(path, name));
      return;
    }
    hash.update(relative(PACKAGE_DIR, path)).update('\0').update(readFileSync(path)).update('\0');
  };
  for (const input of INPUTS) visit(join(PACKAGE_DIR, input));
  return hash.digest('hex').slice(0, 16);
}
