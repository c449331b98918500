import type { AgentConfig, CaptureConfig } from './agent-config.ts';

import { loadSchemaModule as schema } from './load-initial-config.ts';

export type ConfigListener = (next: AgentConfig, previous: AgentConfig) => void;

/**
 * Holds the current configuration. `replace` validates first, so a bad
 * configuration is refused and the running one stays; listeners then apply
 * what cannot be read lazily (switching instrumentations on and off).
 */
export class ConfigStore {
  #current: AgentConfig;
  #capture: CaptureConfig;
  readonly #listeners = new Set<ConfigListener>();

  constructor(
    initial: AgentConfig,
    readonly serviceName: string,
  ) {
    this.#current = initial;
    this.#capture = Object.keys(initial.services).length
      ? schema().captureFor(initial, serviceName)
      : initial.capture;
  }

  get current(): AgentConfig {
    return this.#current;
  }

  /** The capture rules of this process's service (read on every hook call: keep it cheap). */
  get capture(): CaptureConfig {
    return this.#capture;
  }

  /** Validates and installs a whole new configuration; throws AgentConfigError and keeps the old one if invalid. */
  replace(input: unknown): AgentConfig {
    const { captureFor, parseAgentConfig } = schema();
    const next = parseAgentConfig(input);
    const previous = this.#current;
    this.#current = next;
    this.#capture = captureFor(next, this.serviceName);
    for (const listener of this.#listeners) {
      try {
        listener(next, previous);
      } catch {
        // A listener must never break the application or the other listeners.
      }
    }
    return next;
  }

  subscribe(listener: ConfigListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
