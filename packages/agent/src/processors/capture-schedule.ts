/**
 * When to capture a stack for a call path. Capturing costs microseconds
 * (~5 µs plus ~0.6 µs a frame, ~25 µs on an async function's stack), so a
 * path whose first captures all found the same call site is then captured
 * on 1 call in 16, the others reusing what was found; a capture that finds a
 * different site than the previous one marks the path variable: captured on
 * every call from then on. Used by the code-context processor (paths of
 * scope, span name and parent) and by library entry points (pg's pool.query,
 * per SQL text).
 */
const LEARNING_CAPTURES = 4;
const STABLE_SAMPLE_EVERY = 16;
/** Paths remembered at most; past it the table starts over (the cost of a few captures). */
export const MAX_PATHS = 2000;

export class CaptureSchedule {
  #captures = 0;
  #calls = 0;
  #variable = false;

  /** Counts a call; true when this call should capture. */
  due(): boolean {
    this.#calls++;
    return this.#variable || this.#captures < LEARNING_CAPTURES || this.#calls % STABLE_SAMPLE_EVERY === 0;
  }

  /** After a capture: `sameAsBefore` when it found the site the previous capture found. */
  captured(sameAsBefore: boolean): void {
    if (this.#captures > 0 && !sameAsBefore) this.#variable = true;
    this.#captures++;
  }
}

/** The schedules (and what they found) of the call paths, bounded. */
export class CallPaths<T extends CaptureSchedule> {
  readonly #paths = new Map<string, T>();

  constructor(private readonly create: () => T) {}

  get(key: string): T {
    let path = this.#paths.get(key);
    if (!path) {
      if (this.#paths.size >= MAX_PATHS) this.#paths.clear();
      path = this.create();
      this.#paths.set(key, path);
    }
    return path;
  }
}
