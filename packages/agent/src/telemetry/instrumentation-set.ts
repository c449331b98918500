import { isBuiltin } from 'node:module';
import { diag } from '@opentelemetry/api';
import { InstrumentationBase, type Instrumentation } from '@opentelemetry/instrumentation';
import type { AgentConfig } from '../config/agent-config.ts';
import type { InstrumentationName } from '../config/config-constants.ts';
import { RequireInTheMiddleSingleton, packageName, rememberPackageVersions } from './require-hook.ts';

/** An extra condition for an instrumentation to run, besides `instrumentations.<name>`. */
export type Gate = (config: AgentConfig) => boolean;

/** One instrumentation of the curated set, before it is constructed. */
export interface CatalogEntry {
  /** The configuration switch (`instrumentations.<name>`) it follows. */
  readonly name: InstrumentationName;
  /**
   * The packages whose first require() constructs it (their module
   * definitions' names). Empty: constructed at start (built-in modules the
   * runtime may have loaded already, and globals such as fetch).
   */
  readonly triggers: readonly string[];
  readonly gate?: Gate;
  /** Constructs it, disabled. Its package is required only here, so an unused one costs nothing. */
  readonly make: () => Instrumentation;
}

/**
 * The instrumentations, constructed lazily: an instrumentation is built (its
 * package evaluated) and enabled only once the configuration wants it and the
 * application requires one of its packages. Upstream instrumentations hook
 * require() when they are enabled, so they must be enabled before the
 * package loads: the agent's require hook (require-hook.ts) calls the set
 * just before the first require of a trigger package, then looks at that very
 * require with the new instrumentation's registrations. An application that never loads
 * kafkajs never evaluates the kafkajs instrumentation: less startup time and
 * memory. ES-module applications construct every wanted instrumentation at
 * start (`constructAll`), since their imports are hooked in the loader thread
 * before they resolve.
 */
export class InstrumentationSet {
  private readonly built = new Map<CatalogEntry, Instrumentation>();
  private readonly triggered = new Set<CatalogEntry>();
  private readonly byPackage = new Map<string, CatalogEntry[]>();
  private config: AgentConfig;
  private eager = false;
  private restoreLoad: (() => void) | undefined;

  constructor(
    private readonly entries: readonly CatalogEntry[],
    initial: AgentConfig,
  ) {
    this.config = initial;
    for (const entry of entries) {
      if (entry.triggers.length === 0) this.triggered.add(entry);
      for (const name of entry.triggers) {
        const list = this.byPackage.get(name) ?? [];
        list.push(entry);
        this.byPackage.set(name, list);
      }
    }
  }

  /** Packages (not built-ins) some instrumentation patches: what the ES-module hook must watch. */
  get packages(): string[] {
    return [...this.byPackage.keys()].filter((name) => !isBuiltin(name));
  }

  /** The instrumentations constructed so far, by switch name. */
  get instances(): Map<InstrumentationName, Instrumentation[]> {
    const map = new Map<InstrumentationName, Instrumentation[]>();
    for (const [entry, instrumentation] of this.built) {
      const list = map.get(entry.name) ?? [];
      list.push(instrumentation);
      map.set(entry.name, list);
    }
    return map;
  }

  /** Starts watching require() for trigger packages and applies the configuration. */
  start(): void {
    rememberPackageVersions(InstrumentationBase.prototype);
    const packages = this.byPackage;
    // Before the require hook looks at the request, so a package's instrumentation hooks its first require.
    this.restoreLoad = RequireInTheMiddleSingleton.getInstance().onBeforeLoad((request) => {
      if (packages.size === 0) return;
      const name = packageName(request);
      if (name !== undefined && packages.has(name)) this.trigger(name);
    });
    this.apply(this.config);
  }

  /** Every instrumentation counts as triggered (ES-module applications: see the class comment). */
  constructAll(): void {
    this.eager = true;
    this.apply(this.config);
  }

  /** The application is about to load `name`: build and enable what it triggers. */
  trigger(name: string): void {
    const entries = this.byPackage.get(name);
    if (!entries) return;
    this.byPackage.delete(name);
    for (const entry of entries) {
      this.triggered.add(entry);
      this.switchOne(entry, this.config);
    }
  }

  /** Enables what the configuration wants (building it when triggered), disables the rest. */
  apply(next: AgentConfig): void {
    this.config = next;
    for (const entry of this.entries) this.switchOne(entry, next);
  }

  /** Disables everything and stops watching require(). */
  disableAll(): void {
    this.restoreLoad?.();
    for (const instrumentation of this.built.values()) {
      try {
        if (instrumentation.getConfig().enabled === false) continue;
        instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
        instrumentation.disable();
      } catch {
        // an instrumentation that cannot unpatch must not break the exit
      }
    }
  }

  private switchOne(entry: CatalogEntry, next: AgentConfig): void {
    const wanted =
      next.enabled &&
      next.signals.traces &&
      next.instrumentations[entry.name] &&
      (entry.gate?.(next) ?? true);
    let instrumentation = this.built.get(entry);
    if (!instrumentation) {
      if (!wanted || !(this.eager || this.triggered.has(entry))) return;
      try {
        instrumentation = entry.make();
      } catch (err) {
        diag.warn(`spyglass: could not construct instrumentation ${entry.name}`, err);
        return;
      }
      this.built.set(entry, instrumentation);
    }
    try {
      if (wanted && !instrumentation.getConfig().enabled) {
        instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: true });
        instrumentation.enable();
      } else if (!wanted && instrumentation.getConfig().enabled) {
        instrumentation.setConfig({ ...instrumentation.getConfig(), enabled: false });
        instrumentation.disable();
      }
    } catch (err) {
      diag.warn(`spyglass: could not switch instrumentation ${entry.name}`, err);
    }
  }
}
