import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire, isBuiltin } from 'node:module';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import { parseAgentConfig, type AgentConfigInput } from '../src/config/agent-config.ts';
import { ConfigStore } from '../src/config/config-store.ts';
import { instrumentationCatalog } from '../src/telemetry/instrumentations.ts';
import { InstrumentationSet, type CatalogEntry } from '../src/telemetry/instrumentation-set.ts';
import { packageName } from '../src/telemetry/require-hook.ts';

const config = (input: AgentConfigInput = {}) => parseAgentConfig(input);

// instrumentations.ts requires each instrumentation package when its entry is built, with the
// CommonJS `require` of the agent's bundle; this ES-module test provides one.
(globalThis as { require?: NodeJS.Require }).require ??= createRequire(import.meta.url);

test("each catalog entry's triggers are exactly the packages its instrumentation patches", () => {
  const store = new ConfigStore(config(), 'catalog-test');
  for (const entry of instrumentationCatalog(store, () => false)) {
    const instrumentation = entry.make() as InstrumentationBase;
    const patched = new Set(
      instrumentation
        .getModuleDefinitions()
        .map((d) => d.name)
        .filter((name) => !isBuiltin(name)),
    );
    // @fastify/otel patches no module: it subscribes to fastify's diagnostics channel, so it must be
    // on before fastify creates its first instance (triggered by require('fastify')).
    if (patched.size === 0 && entry.name === 'fastify') {
      assert.deepEqual(entry.triggers, ['fastify']);
      continue;
    }
    assert.deepEqual(
      [...patched].sort(),
      [...new Set(entry.triggers)].sort(),
      `${entry.name} (${instrumentation.instrumentationName}): triggers must name the packages it patches`,
    );
  }
});

test('packageName reads the package of a bare require and nothing from paths', () => {
  assert.equal(packageName('pg'), 'pg');
  assert.equal(packageName('mysql2/promise'), 'mysql2');
  assert.equal(packageName('@grpc/grpc-js'), '@grpc/grpc-js');
  assert.equal(packageName('@grpc/grpc-js/build/src/index.js'), '@grpc/grpc-js');
  assert.equal(packageName('./lib/client'), undefined);
  assert.equal(packageName('/abs/path.js'), undefined);
  assert.equal(packageName(''), undefined);
});

/** A real (module-less) instrumentation, counted: which entries were built and enabled. */
class Probe extends InstrumentationBase {
  constructor() {
    super('probe', '1.0.0', { enabled: false });
  }
  protected init() {
    return [];
  }
}

interface ProbeEntry {
  readonly entry: CatalogEntry;
  /** The instance built so far (a function, so that assertions do not narrow it). */
  built(): Probe | undefined;
}

function probeEntry(trigger: string, gate?: CatalogEntry['gate']): ProbeEntry {
  let instance: Probe | undefined;
  return {
    entry: {
      name: 'pino',
      triggers: [trigger],
      ...(gate ? { gate } : {}),
      make: () => (instance = new Probe()),
    },
    built: () => instance,
  };
}

test('an instrumentation is built and enabled just before its package is first required, not at start', () => {
  const probe = probeEntry('ms');
  const set = new InstrumentationSet([probe.entry], config());
  set.start();
  try {
    assert.equal(probe.built(), undefined, 'nothing built at start');
    createRequire(import.meta.url)('ms');
    assert.equal(probe.built()?.getConfig().enabled, true, 'built and enabled on the first require of ms');
    assert.deepEqual([...set.instances.keys()], ['pino']);
  } finally {
    set.disableAll();
  }
  assert.equal(probe.built()?.getConfig().enabled, false, 'disableAll switches it off');
});

test('an instrumentation the configuration does not want is not built when its package loads, but is once wanted', () => {
  const probe = probeEntry('not-a-real-package-for-this-test');
  const set = new InstrumentationSet([probe.entry], config({ instrumentations: { pino: false } }));
  set.start();
  try {
    set.trigger('not-a-real-package-for-this-test');
    assert.equal(probe.built(), undefined, 'switched off: not built');
    set.apply(config({ instrumentations: { pino: true } }));
    assert.equal(probe.built()?.getConfig().enabled, true, 'built and enabled when switched on live');
    set.apply(config({ instrumentations: { pino: false } }));
    assert.equal(probe.built()?.getConfig().enabled, false, 'and disabled again');
  } finally {
    set.disableAll();
  }
});

test('constructAll builds every wanted instrumentation at once (ES-module applications)', () => {
  const wanted = probeEntry('pkg-a');
  const gated = probeEntry('pkg-b', () => false);
  const set = new InstrumentationSet([wanted.entry, gated.entry], config());
  set.start();
  try {
    assert.equal(wanted.built(), undefined);
    set.constructAll();
    assert.equal(wanted.built()?.getConfig().enabled, true);
    assert.equal(gated.built(), undefined, 'a gate that says no keeps it unbuilt');
  } finally {
    set.disableAll();
  }
});
