// One message as a compiled traffic filter reads it (filter.ts), for those
// that test messages as they arrive rather than rows of the traffic store:
// auto-answer rules and protocol tests.
import type { Message } from '../../../shared/message.ts';
import type { Decoded, FieldValue, StructValue } from '../../protocol/values.ts';
import type { FilterRow, FilterValue, HeaderName } from './filter.ts';

/** What a filter reads of message @m of @target; @decoded is called only when the filter reads a data field or the kind. */
export function messageRow(target: string, m: Message, decoded: () => Decoded | undefined): FilterRow {
  return {
    header(name: HeaderName): FilterValue {
      switch (name) {
        case 'type':
          return m.type;
        case 'id':
          return m.id;
        case 'user_value':
          return m.userValue;
        case 'length':
          return m.length;
        case 'direction':
          return m.direction;
        case 'target':
          return target;
        case 'time':
          return m.timestampNs;
        case 'kind':
          return decoded()?.kind;
        case 'malformed': {
          const d = decoded();
          return d && d.error !== undefined;
        }
      }
    },
    data(path) {
      const v = walkValue(decoded()?.data, path);
      return v !== undefined && typeof v === 'object' && !(v instanceof Uint8Array) ? undefined : v;
    },
  };
}

/** The value at @path below a decoded value (struct fields by name, array elements by index), if there is one. */
export function walkValue(v: FieldValue | undefined, path: ReadonlyArray<string | number>): FieldValue | undefined {
  for (const step of path) {
    if (v === undefined || typeof v !== 'object' || v instanceof Uint8Array) return undefined;
    v = Array.isArray(v)
      ? typeof step === 'number'
        ? v[step]
        : undefined
      : Object.hasOwn(v, String(step))
        ? (v as StructValue)[String(step)]
        : undefined;
  }
  return v;
}
