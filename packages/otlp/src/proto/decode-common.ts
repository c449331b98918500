import { DecodeError, ProtoReader, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, expectWire, readMessage } from '../wire/proto-reader.ts';
import { KvList, emptyScope, type AnyValue, type KeyValue, type Resource, type ResourceGroup, type Scope } from '../model/otlp-model.ts';

/** Nesting limit for AnyValue arrays and key-value lists: guards the stack against hostile payloads. */
const MAX_VALUE_DEPTH = 32;

export function decodeAnyValue(r: ProtoReader, end: number, depth = 0): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new DecodeError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  let value: AnyValue = undefined;
  readMessage(r, end, (field, wire) => {
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'AnyValue.string_value');
        value = r.string();
        break;
      case 2:
        expectWire(wire, WIRE_VARINT, 'AnyValue.bool_value');
        value = r.bool();
        break;
      case 3:
        expectWire(wire, WIRE_VARINT, 'AnyValue.int_value');
        value = r.int64();
        break;
      case 4:
        expectWire(wire, WIRE_FIXED64, 'AnyValue.double_value');
        value = r.double();
        break;
      case 5: {
        expectWire(wire, WIRE_LEN, 'AnyValue.array_value');
        const values: AnyValue[] = [];
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) {
            expectWire(w, WIRE_LEN, 'ArrayValue.values');
            values.push(decodeAnyValue(r, r.lenEnd(), depth + 1));
          } else r.skip(w);
        });
        value = values;
        break;
      }
      case 6: {
        expectWire(wire, WIRE_LEN, 'AnyValue.kvlist_value');
        const values: KeyValue[] = [];
        readMessage(r, r.lenEnd(), (f, w) => {
          if (f === 1) {
            expectWire(w, WIRE_LEN, 'KeyValueList.values');
            values.push(decodeKeyValue(r, r.lenEnd(), depth + 1));
          } else r.skip(w);
        });
        value = new KvList(values);
        break;
      }
      case 7:
        expectWire(wire, WIRE_LEN, 'AnyValue.bytes_value');
        value = r.bytes();
        break;
      default:
        r.skip(wire);
    }
  });
  return value;
}

export function decodeKeyValue(r: ProtoReader, end: number, depth = 0): KeyValue {
  let key = '';
  let value: AnyValue = undefined;
  readMessage(r, end, (field, wire) => {
    if (field === 1) {
      expectWire(wire, WIRE_LEN, 'KeyValue.key');
      key = r.string();
    } else if (field === 2) {
      expectWire(wire, WIRE_LEN, 'KeyValue.value');
      value = decodeAnyValue(r, r.lenEnd(), depth);
    } else r.skip(wire);
  });
  return { key, value };
}

/** Appends a repeated KeyValue field element to `into`. */
export function pushKeyValue(r: ProtoReader, wire: number, into: KeyValue[], what: string): void {
  expectWire(wire, WIRE_LEN, what);
  into.push(decodeKeyValue(r, r.lenEnd()));
}

export function decodeResource(r: ProtoReader, end: number): Resource {
  const attributes: KeyValue[] = [];
  readMessage(r, end, (field, wire) => {
    if (field === 1) pushKeyValue(r, wire, attributes, 'Resource.attributes');
    else r.skip(wire);
  });
  return { attributes };
}

export function decodeScope(r: ProtoReader, end: number): Scope {
  const scope = emptyScope();
  readMessage(r, end, (field, wire) => {
    switch (field) {
      case 1:
        expectWire(wire, WIRE_LEN, 'InstrumentationScope.name');
        scope.name = r.string();
        break;
      case 2:
        expectWire(wire, WIRE_LEN, 'InstrumentationScope.version');
        scope.version = r.string();
        break;
      case 3:
        pushKeyValue(r, wire, scope.attributes, 'InstrumentationScope.attributes');
        break;
      case 4:
        expectWire(wire, WIRE_VARINT, 'InstrumentationScope.dropped_attributes_count');
        scope.droppedAttributesCount = r.varintNumber();
        break;
      default:
        r.skip(wire);
    }
  });
  return scope;
}

/**
 * Decodes the envelope shared by the three export requests:
 * Request { 1: repeated Resource<X> { 1: resource, 2: repeated Scope<X> { 1: scope, 2: repeated item, 3: schema_url }, 3: schema_url } }.
 */
export function decodeEnvelope<T>(buf: Buffer, what: string, decodeItem: (r: ProtoReader, end: number) => T): ResourceGroup<T>[] {
  const r = new ProtoReader(buf);
  const groups: ResourceGroup<T>[] = [];
  readMessage(r, buf.length, (field, wire) => {
    if (field !== 1) return r.skip(wire);
    expectWire(wire, WIRE_LEN, `Export${what}ServiceRequest.resource_${what.toLowerCase()}`);
    const group: ResourceGroup<T> = { resource: { attributes: [] }, schemaUrl: '', scopes: [] };
    readMessage(r, r.lenEnd(), (f, w) => {
      if (f === 1) {
        expectWire(w, WIRE_LEN, `Resource${what}.resource`);
        group.resource = decodeResource(r, r.lenEnd());
      } else if (f === 2) {
        expectWire(w, WIRE_LEN, `Resource${what}.scope_${what.toLowerCase()}`);
        const scopeGroup = { scope: emptyScope(), schemaUrl: '', items: [] as T[] };
        readMessage(r, r.lenEnd(), (sf, sw) => {
          if (sf === 1) {
            expectWire(sw, WIRE_LEN, `Scope${what}.scope`);
            scopeGroup.scope = decodeScope(r, r.lenEnd());
          } else if (sf === 2) {
            expectWire(sw, WIRE_LEN, `Scope${what}.item`);
            scopeGroup.items.push(decodeItem(r, r.lenEnd()));
          } else if (sf === 3) {
            expectWire(sw, WIRE_LEN, `Scope${what}.schema_url`);
            scopeGroup.schemaUrl = r.string();
          } else r.skip(sw);
        });
        group.scopes.push(scopeGroup);
      } else if (f === 3) {
        expectWire(w, WIRE_LEN, `Resource${what}.schema_url`);
        group.schemaUrl = r.string();
      } else r.skip(w);
    });
    groups.push(group);
  });
  return groups;
}
