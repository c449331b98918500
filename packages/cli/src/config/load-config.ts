import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UpConfigSchema, type UpConfig } from './config-schema.ts';

/** A configuration problem, reported with every error and its key path at once. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads the YAML file (if any), overlays the flags, validates, and freezes the result. */
export function loadConfig(file: string | undefined, overrides: Record<string, unknown>): UpConfig {
  let fromFile: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
    }
    try {
      const parsed: unknown = parseYaml(text);
      if (parsed !== null && parsed !== undefined) {
        if (typeof parsed !== 'object' || Array.isArray(parsed))
          throw new ConfigError([`config file ${file}: expected a mapping at the top level`]);
        fromFile = parsed as Record<string, unknown>;
      }
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError([`config file ${file}: invalid YAML: ${(err as Error).message}`]);
    }
  }
  const merged = deepMerge(fromFile, overrides);
  const result = UpConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return deepFreeze(result.data);
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
