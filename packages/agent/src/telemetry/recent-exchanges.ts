import type { Exchange } from './http-server-exchange.ts';
import { packedArray } from './packed-array.ts';

/** Where an exchange that left the ring unsettled is found: a property of its request and response. */
const EXCHANGE = Symbol('spyglass.http.exchange');
type Carrier = { [EXCHANGE]?: Exchange };

/** How many of the latest exchanges are kept (a power of two). */
const SIZE = 16;

/**
 * The exchange a request or response belongs to, found by identity among
 * the latest requests' exchanges, newest first: most of a request's events
 * and writes come while it is one of the last few to arrive.
 *
 * Why not a property on each message: express moves every request and
 * response onto its application's prototypes and then adds its own
 * properties, each addition copying the message's property descriptors into
 * a hidden class no earlier message had (bench/agent/RESULTS.md, nineteenth
 * session). One more property on each, set when the request arrives, cost
 * ~3 K instructions of V8's map work per trivial request, and reading it
 * back is a generic lookup (twentieth session). Nor a WeakMap: its entries
 * are ephemerons, which V8 walks at every scavenge (twice the collector's
 * work per request, measured).
 *
 * An exchange that leaves the ring before it is settled (its response ended
 * and its request closed: a slow upload, a long poll, more than SIZE
 * requests in flight) gets the property then, and is found by it.
 */
export class RecentExchanges {
  readonly #ring = packedArray<Exchange | undefined>(SIZE, undefined);
  #newest = SIZE - 1;

  /** Keeps `exchange` as the newest, marking the one it replaces if that one is not settled. */
  remember(exchange: Exchange): void {
    const slot = (this.#newest + 1) & (SIZE - 1);
    const evicted = this.#ring[slot];
    if (evicted !== undefined && !evicted.settled) {
      (evicted.request as Carrier)[EXCHANGE] = evicted;
      (evicted.response as Carrier)[EXCHANGE] = evicted;
    }
    this.#ring[slot] = exchange;
    this.#newest = slot;
  }

  /** The exchange of `message` (a server request or response), or undefined for any other message. */
  of(message: unknown): Exchange | undefined {
    const ring = this.#ring;
    for (let i = 0, at = this.#newest; i < SIZE; i++, at = (at - 1) & (SIZE - 1)) {
      const exchange = ring[at];
      if (exchange === undefined) break;
      if (message === exchange.request || message === exchange.response) return exchange;
    }
    return (message as Carrier)[EXCHANGE];
  }
}
