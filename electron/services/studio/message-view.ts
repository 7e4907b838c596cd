// How a message is shown through the API: its decoded field tree as JSON,
// and the one-line summary of the traffic table.
import type { DecodedJson, FieldNodeJson } from '../../shared/studio-api.ts';
import { formatValue, toHex, valueToJson, type Decoded, type FieldNode } from '../protocol/values.ts';

const SUMMARY_CHARS = 160;
const RAW_SUMMARY_BYTES = 32;

function nodeJson(n: FieldNode): FieldNodeJson {
  const out: FieldNodeJson = { name: n.name, path: n.path, offset: n.offset, size: n.size, type: n.type };
  if (n.value !== undefined) out.value = valueToJson(n.value);
  if (n.display !== undefined) out.display = n.display;
  if (n.bits) out.bits = n.bits;
  if (n.alias !== undefined) out.alias = n.alias;
  if (n.volatile) out.volatile = true;
  if (n.children) out.children = n.children.map(nodeJson);
  return out;
}

export function decodedJson(d: Decoded): DecodedJson {
  return {
    ...(d.kind !== undefined ? { kind: d.kind } : {}),
    tree: d.tree.map(nodeJson),
    ...(d.error ? { error: { path: d.error.path, offset: d.error.offset, message: d.error.message } } : {}),
  };
}

function cut(text: string): string {
  return text.length <= SUMMARY_CHARS ? text : `${text.slice(0, SUMMARY_CHARS - 1)}…`;
}

/** "kind field=value ..." when decoded, else the first data bytes in hex. */
export function summaryOf(decoded: Decoded | undefined, data: Uint8Array): string {
  if (!decoded) {
    const hex = toHex(data.subarray(0, RAW_SUMMARY_BYTES));
    return data.length > RAW_SUMMARY_BYTES ? `${hex}…` : hex;
  }
  const fields = Object.entries(decoded.data).map(([k, v]) => `${k}=${formatValue(v)}`);
  const error = decoded.error ? ` [${decoded.error.message}]` : '';
  return cut(`${fields.join(' ')}${error}`);
}
