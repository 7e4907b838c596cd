// The text a new handler script starts from: typed with a layout's
// generated types, printing what arrives and answering one message kind
// with another in the protocol's own terms (ctx.sendDecoded), in a way that
// cannot answer its own answers.
import { HEADER_KEYS, type HeaderKey, type Layout, type MessageKind } from '../../protocol/layout.ts';
import { generateTs } from '../../protocol/gen-ts.ts';
import type { FieldValue, StructValue } from '../../protocol/values.ts';
import { defaultStruct } from '../layouts/sample-message.ts';
import { SCRIPT_API_MODULE, layoutModule, messageUnionName } from './script-modules.ts';

/** @value as TypeScript source: what the template writes for a field's starting value. */
function literal(value: FieldValue): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value).replaceAll('"', "'");
  if (value instanceof Uint8Array) return value.length === 0 ? 'new Uint8Array()' : `new Uint8Array(${value.length})`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object') return structLiteral(value);
  return String(value);
}

function structLiteral(struct: StructValue): string {
  const entries = Object.entries(struct).map(([name, v]) => `${name}: ${literal(v)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** The first header field that does not select @kind: free to carry the loop guard or the id. */
const freeHeaderKey = (kind: MessageKind, keys: readonly HeaderKey[] = HEADER_KEYS): HeaderKey | undefined =>
  keys.find((k) => kind.when[k] === undefined);

const SEND_HEADER_NAME: Record<HeaderKey, string> = { type: 'type', id: 'id', user_value: 'userValue' };

/** The lines of onMessage that answer: a request kind with another kind, or one kind with itself guarded by a header value. */
function answerLines(layout: Layout): string[] {
  const [first, second] = layout.messages;
  if (!first) return ['  // The layout has no message kinds yet: add one to answer in its terms.'];
  if (second) {
    // The answer kind is never answered, so a peer that echoes cannot make this loop.
    const keepId = second.when.id === undefined ? ', { id: msg.id }' : '';
    const fields = Object.entries(defaultStruct(second.struct)).map(([n, v]) => `      ${n}: ${literal(v)},`);
    return [
      `  // Answer kind ${first.name} with kind ${second.name}: its fields at their defaults${keepId ? ', the same id' : ''}.`,
      `  // Kind ${second.name} itself is never answered, so an echoing peer cannot make this loop.`,
      `  if (msg.decoded?.kind === '${first.name}' && !msg.decoded.error)`,
      fields.length === 0
        ? `    ctx.sendDecoded('${second.name}', {}${keepId});`
        : [`    ctx.sendDecoded('${second.name}', {`, ...fields, `    }${keepId});`].join('\n'),
    ];
  }
  const guard = freeHeaderKey(first);
  if (!guard) return [`  // Every header value selects ${first.name}: there is nothing to tell an answer by.`];
  const field = SEND_HEADER_NAME[guard];
  const copy = first.struct.fields.map((f) => `${f.name}: msg.decoded.data.${f.name}`);
  const fields = copy.length === 0 ? '{}' : `{ ${copy.join(', ')} }`;
  const keepId = guard !== 'id' && first.when.id === undefined ? ', id: msg.id' : '';
  return [
    `  // Answer kind ${first.name} with ${field} 1 by the same kind and fields with ${field} 2.`,
    `  // A message with ${field} 2 is never answered, so an echoing peer cannot make this loop.`,
    `  if (msg.decoded?.kind === '${first.name}' && !msg.decoded.error && msg.${field} === 1n)`,
    `    ctx.sendDecoded('${first.name}', ${fields}, { ${field}: 2n${keepId} });`,
  ];
}

export function scriptTemplate(name: string, layout: Layout): string {
  const union = messageUnionName(generateTs(layout, layout.file)) ?? 'never';
  return `// ${name}: a handler script for targets speaking ${layout.protocol}.
// onMessage runs for each message the target receives; onWork (100 times a
// second) and onTimer (once a second) may be exported too. A callback that
// throws or runs for seconds stops the script, with the line it was on.
// ctx.sendDecoded(kind, fields, header) encodes a message of the layout and
// fills in the header values that select its kind.
import type { DecodedAs, ScriptContext, ScriptMessage } from '${SCRIPT_API_MODULE}';
import type { ${union} } from '${layoutModule(layout.protocol)}';

export function onMessage(msg: ScriptMessage<DecodedAs<${union}>>, ctx: ScriptContext): void {
  console.log(\`got \${msg.decoded?.kind ?? 'a message'}: type \${msg.type}, id \${msg.id}, \${msg.length} bytes\`);
${answerLines(layout).join('\n')}
}
`;
}
