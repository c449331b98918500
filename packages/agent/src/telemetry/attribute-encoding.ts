import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { packedArray } from './packed-array.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

/**
 * Attributes as OTLP KeyValue fields (opentelemetry/proto/common/v1/common.proto),
 * and `AttributeSink`: where code that produces attributes one by one (the HTTP
 * server span, see http-server-span-attributes.ts) sends them, so that the same
 * code fills an attributes object or writes protobuf straight from its sources.
 */

/** String values an AttributeKey remembers. */
const REMEMBERED = 4;

/**
 * Whether a cache of encoded bytes (AttributeKey's values, GroupMemo's groups)
 * still pays for keeping new entries: each costs a copy, which only a later
 * hit repays. Ids, dates, ports and high-cardinality targets rarely come back.
 */
function keepsPaying(hits: number, misses: number): boolean {
  return misses <= 4 * hits + 16;
}

/**
 * An attribute name with its KeyValue.key field already encoded (tag, length,
 * UTF-8 bytes), and the last few string values written with it in the short
 * form (see ProtobufSink.string and writeAttributes): most values come back
 * span after span (the method, scheme, route, host, peer, content type, a
 * database's name, statement and address, a call site's file), and copying
 * the whole KeyValue as written is cheaper than encoding it again (a
 * character costs ~36 instructions to copy, see ProtobufWriter). Several
 * values, because spans of different libraries share keys (pg's and ioredis's
 * spans of one request alternate db.system.name and db.query.text).
 */
export class AttributeKey {
  readonly field: Uint8Array;
  /** The values remembered, and their KeyValues' bytes after the tag; filled in turn. */
  readonly #values = packedArray<string | undefined>(REMEMBERED, undefined);
  readonly #bytes = packedArray<Uint8Array | undefined>(REMEMBERED, undefined);
  #next = 0;
  #hits = 0;
  #misses = 0;

  constructor(readonly name: string) {
    const scratch = new ProtobufWriter(name.length * 3 + 8);
    scratch.string(1, name);
    this.field = Uint8Array.from(scratch.finish());
  }

  /**
   * Writes the KeyValue of string `value` (one-byte tag `tag`) in the short
   * form: copied as remembered if `value` is a remembered one, else encoded
   * (keyValueAscii) and remembered. False, with nothing written, when it does
   * not fit the short form (the caller writes the long one).
   */
  writeShort(w: ProtobufWriter, tag: number, value: string): boolean {
    const values = this.#values;
    for (let i = 0; i < REMEMBERED; i++) {
      if (values[i] !== value) continue;
      w.tagged(tag, this.#bytes[i]!);
      this.#hits++;
      return true;
    }
    const start = w.pos;
    if (!w.keyValueAscii(tag, this.field, value, 0, value.length)) return false;
    this.#remember(value, w.buf, start + 1, w.pos);
    return true;
  }

  /**
   * Remembers `value` and its KeyValue, just written to `buf[start, end)`
   * after its tag, in place of the oldest one. A key whose values rarely come
   * back (ids, dates, ports) stops remembering: each would cost a copy and
   * comparisons for nothing.
   */
  #remember(value: string, buf: Uint8Array, start: number, end: number): void {
    if (!keepsPaying(this.#hits, ++this.#misses)) return;
    const slot = this.#next;
    this.#next = slot === REMEMBERED - 1 ? 0 : slot + 1;
    this.#values[slot] = value;
    // A copy (a Buffer's own slice() would be a view of the writer's buffer, which is reused).
    this.#bytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
  }
}

export function attributeKey(name: string): AttributeKey {
  return new AttributeKey(name);
}

/**
 * Keys as encoded before, by name: the same keys come back span after span,
 * and copying their bytes is cheaper than encoding the string again.
 * Bounded, so that keys made up per span (unusual) cannot grow it without
 * limit; those are encoded each time.
 */
const KEYS = new Map<string, AttributeKey>();
const MAX_KEYS = 4096;
const MAX_CACHED_KEY = 128;

/** The cached key of `name`, or undefined when it is not (and will not be) cached. */
function cachedKey(name: string): AttributeKey | undefined {
  let key = KEYS.get(name);
  if (key === undefined) {
    if (KEYS.size >= MAX_KEYS || name.length > MAX_CACHED_KEY) return undefined;
    key = attributeKey(name);
    KEYS.set(name, key);
  }
  return key;
}

/** The key of `name`, the same object for the same name while the cache has room. */
export function internedKey(name: string): AttributeKey {
  return cachedKey(name) ?? attributeKey(name);
}

/** Each attribute of `attrs` as a KeyValue field `field` (unset values skipped). */
export function writeAttributes(w: ProtobufWriter, field: number, attrs: Attributes): void {
  const tag = (field << 3) | 2;
  for (const name in attrs) {
    const value = attrs[name];
    if (value === undefined || value === null) continue;
    const key = cachedKey(name);
    // The short form where it fits (field numbers here are all below 16: one-byte tags).
    if (key !== undefined && field < 16) {
      if (typeof value === 'string') {
        if (key.writeShort(w, tag, value)) continue;
      } else if (typeof value === 'number' && w.keyValueInt(tag, key.field, value)) continue;
    }
    const kv = w.begin(field);
    if (key === undefined) w.string(1, name);
    else w.small(key.field);
    writeAnyValue(w, 2, value);
    w.end(kv);
  }
}

export function writeAnyValue(
  w: ProtobufWriter,
  field: number,
  value: AttributeValue | null | undefined,
): void {
  const av = w.begin(field);
  switch (typeof value) {
    case 'string':
      // an empty string still needs its field, or the value would read as unset
      if (value.length === 0) {
        w.tag(1, 2);
        w.varint(0);
      } else w.string(1, value);
      break;
    case 'boolean':
      w.tag(2, 0);
      w.varint(value ? 1 : 0);
      break;
    case 'number':
      if (Number.isInteger(value) && Number.isSafeInteger(value)) {
        w.tag(3, 0);
        w.varint(value);
      } else {
        w.double(4, value);
      }
      break;
    case 'object':
      if (Array.isArray(value)) {
        const arr = w.begin(5);
        for (const item of value) writeAnyValue(w, 1, item as AttributeValue);
        w.end(arr);
      }
      break;
    default:
      break;
  }
  w.end(av);
}

/**
 * Where attributes go, one at a time. A sink keeps at most its limit of
 * attributes (the SDK's span limit) and counts the ones beyond it.
 */
export interface AttributeSink {
  /** A string value (empty strings included). */
  string(key: AttributeKey, value: string): void;
  /** `source.slice(start, end)` as a string value, without the slice where the sink can. */
  range(key: AttributeKey, source: string, start: number, end: number): void;
  /** An integer value. */
  int(key: AttributeKey, value: number): void;
  /** A boolean value. */
  bool(key: AttributeKey, value: boolean): void;
  /**
   * A group of attributes that depends on the key last given to `memo` alone
   * (GroupMemo.key: a response's header block and the capture rules, a
   * request's method, target, host, ...): true when the sink has written it
   * as it wrote it for an equal key before; false when the caller is to
   * write it, then call endGroup(memo), which keeps it for next time.
   */
  replayGroup(memo: GroupMemo): boolean;
  endGroup(memo: GroupMemo): void;
}

/** How many groups a GroupMemo keeps (routes whose responses alternate each keep theirs). */
const GROUPS = 4;
/** The most values a group's key compares (besides its rules). */
const KEY_PARTS = 6;

/**
 * The encoded KeyValues of a group of attributes for the last few keys it
 * was written for (see AttributeSink.replayGroup). A response's captured
 * headers follow from its header block, which is the same string for most
 * responses of a route within a second (node:http writes the date to the
 * second); a server span's request attributes from its method, target, host
 * and user agent. Comparing those and copying the bytes costs a fraction of
 * working the attributes out and encoding them again (bench/agent/RESULTS.md,
 * nineteenth session). A memo whose keys rarely come back stops keeping new
 * ones for a while: each would cost a copy for nothing.
 */
export class GroupMemo {
  /** Slot-major: the key parts of slot s are #keys[s * KEY_PARTS, (s + 1) * KEY_PARTS). */
  readonly #keys = packedArray<unknown>(GROUPS * KEY_PARTS, undefined);
  readonly #rules = packedArray<object | undefined>(GROUPS, undefined);
  readonly #tags = packedArray(GROUPS, -1);
  readonly #bytes = packedArray<Uint8Array | undefined>(GROUPS, undefined);
  readonly #counts = packedArray(GROUPS, 0);
  #next = 0;
  #hits = 0;
  #misses = 0;
  /** The key of the group being written (see key()). */
  #rulesNow: object | undefined;
  readonly #keyNow = packedArray<unknown>(KEY_PARTS, undefined);

  /** Sets the key of the group about to be written: values compared with ===, and the rules object. */
  key(rules: object, a: unknown, b?: unknown, c?: unknown, d?: unknown, e?: unknown, f?: unknown): void {
    const k = this.#keyNow;
    this.#rulesNow = rules;
    k[0] = a;
    k[1] = b;
    k[2] = c;
    k[3] = d;
    k[4] = e;
    k[5] = f;
  }

  /** The slot kept for the current key, written with KeyValue tag `tag`, or -1. */
  find(tag: number): number {
    const keys = this.#keys;
    const k = this.#keyNow;
    for (let slot = 0, at = 0; slot < GROUPS; slot++, at += KEY_PARTS) {
      if (this.#tags[slot] !== tag || this.#rules[slot] !== this.#rulesNow) continue;
      if (keys[at] !== k[0] || keys[at + 1] !== k[1] || keys[at + 2] !== k[2]) continue;
      if (keys[at + 3] !== k[3] || keys[at + 4] !== k[4] || keys[at + 5] !== k[5]) continue;
      this.#hits++;
      return slot;
    }
    return -1;
  }

  bytes(slot: number): Uint8Array {
    return this.#bytes[slot]!;
  }

  count(slot: number): number {
    return this.#counts[slot]!;
  }

  /** Keeps a copy of `buf[start, end)`, `count` KeyValues, for the current key, in place of the oldest group. */
  remember(tag: number, buf: Uint8Array, start: number, end: number, count: number): void {
    if (!keepsPaying(this.#hits, ++this.#misses)) {
      // Mostly new keys: stop keeping, and look again after a while.
      if (this.#misses > 1 << 16) this.#hits = this.#misses = 0;
      return;
    }
    const slot = this.#next;
    this.#next = slot === GROUPS - 1 ? 0 : slot + 1;
    const at = slot * KEY_PARTS;
    for (let i = 0; i < KEY_PARTS; i++) this.#keys[at + i] = this.#keyNow[i];
    this.#rules[slot] = this.#rulesNow;
    this.#tags[slot] = tag;
    // A copy (a Buffer's own slice() would be a view of the writer's buffer, which is reused).
    this.#bytes[slot] = Uint8Array.prototype.slice.call(buf, start, end);
    this.#counts[slot] = count;
  }
}

/** A sink that sets properties of an attributes object. */
export class ObjectSink implements AttributeSink {
  dropped = 0;
  #count = 0;

  constructor(
    readonly into: Attributes,
    private readonly limit: number,
  ) {}

  #room(): boolean {
    if (this.#count < this.limit) {
      this.#count++;
      return true;
    }
    this.dropped++;
    return false;
  }

  string(key: AttributeKey, value: string): void {
    if (this.#room()) this.into[key.name] = value;
  }

  range(key: AttributeKey, source: string, start: number, end: number): void {
    if (this.#room()) this.into[key.name] = source.slice(start, end);
  }

  int(key: AttributeKey, value: number): void {
    if (this.#room()) this.into[key.name] = value;
  }

  bool(key: AttributeKey, value: boolean): void {
    if (this.#room()) this.into[key.name] = value;
  }

  /** An object is built once per span, from its records: nothing to replay. */
  replayGroup(): boolean {
    return false;
  }

  endGroup(): void {}
}

/**
 * A sink that writes KeyValue fields (number `field`, below 16) into a
 * ProtobufWriter, in the short form where they fit (keyValueAscii).
 * `shadowed` are attributes written after these (a span's own, set through
 * the API), which replace a value of the same name: such names are skipped here.
 */
export class ProtobufSink implements AttributeSink {
  dropped = 0;
  #count = 0;
  #w: ProtobufWriter;
  #field: number;
  #tag: number;
  #shadowed: Attributes | undefined;
  #limit: number;
  /** Where the group being written began (see replayGroup): the writer's position, the counts. */
  #groupStart = 0;
  #groupCount = 0;
  #groupDropped = 0;

  constructor(w: ProtobufWriter, field: number, limit: number, shadowed: Attributes | undefined) {
    this.#w = w;
    this.#field = field;
    this.#tag = (field << 3) | 2;
    this.#limit = limit;
    this.#shadowed = shadowed;
  }

  /** Whether the attribute is written (not shadowed, within the limit); counts it. */
  #admit(key: AttributeKey): boolean {
    if (this.#shadowed !== undefined && this.#shadowed[key.name] !== undefined) return false;
    if (this.#count >= this.#limit) {
      this.dropped++;
      return false;
    }
    this.#count++;
    return true;
  }

  string(key: AttributeKey, value: string): void {
    if (!this.#admit(key)) return;
    if (!key.writeShort(this.#w, this.#tag, value)) this.#long(key, value);
  }

  range(key: AttributeKey, source: string, start: number, end: number): void {
    if (!this.#admit(key) || this.#w.keyValueAscii(this.#tag, key.field, source, start, end)) return;
    this.#long(key, source.slice(start, end));
  }

  int(key: AttributeKey, value: number): void {
    if (!this.#admit(key) || this.#w.keyValueInt(this.#tag, key.field, value)) return;
    this.#long(key, value);
  }

  bool(key: AttributeKey, value: boolean): void {
    if (this.#admit(key)) this.#long(key, value);
  }

  /**
   * Not while the span's own attributes may replace some of the group's (a
   * group written under them is not kept either), nor past the limit. When
   * it answers false, it notes where the caller's group begins.
   */
  replayGroup(memo: GroupMemo): boolean {
    const slot = this.#shadowed === undefined ? memo.find(this.#tag) : -1;
    if (slot !== -1 && this.#count + memo.count(slot) <= this.#limit) {
      this.#w.raw(memo.bytes(slot));
      this.#count += memo.count(slot);
      return true;
    }
    this.#groupStart = this.#w.pos;
    this.#groupCount = this.#count;
    this.#groupDropped = this.dropped;
    return false;
  }

  /** Keeps what was written since replayGroup() answered false, when nothing of it was shadowed or dropped. */
  endGroup(memo: GroupMemo): void {
    if (this.#shadowed !== undefined || this.dropped !== this.#groupDropped) return;
    const w = this.#w;
    memo.remember(this.#tag, w.buf, this.#groupStart, w.pos, this.#count - this.#groupCount);
  }

  /** A KeyValue in the long form (padded lengths; any value, any length, any characters). */
  #long(key: AttributeKey, value: AttributeValue): void {
    const w = this.#w;
    const kv = w.begin(this.#field);
    w.small(key.field);
    writeAnyValue(w, 2, value);
    w.end(kv);
  }
}
