// The text a new handler script starts from: typed with a layout's
// generated types, printing what arrives and answering one message type
// with another, in a way that cannot answer its own answers.
import { generateTs } from '../../protocol/gen-ts.ts';
import type { Layout } from '../../protocol/layout.ts';
import { SCRIPT_API_MODULE, layoutModule, messageUnionName } from './script-modules.ts';

export function scriptTemplate(name: string, layout: Layout): string {
  const union = messageUnionName(generateTs(layout, layout.file)) ?? 'never';
  return `// ${name}: a handler script for targets speaking ${layout.protocol}.
// onMessage runs for each message the target receives; onWork (100 times a
// second) and onTimer (once a second) may be exported too. A callback that
// throws or runs for seconds stops the script, with the line it was on.
import type { DecodedAs, ScriptContext, ScriptMessage } from '${SCRIPT_API_MODULE}';
import type { ${union} } from '${layoutModule(layout.protocol)}';

export function onMessage(msg: ScriptMessage<DecodedAs<${union}>>, ctx: ScriptContext): void {
  console.log(\`got \${msg.decoded?.kind ?? 'a message'}: type \${msg.type}, id \${msg.id}, \${msg.length} bytes\`);
  // Answer type 1 with type 2 and the same id and data. Type 2 itself is
  // never answered, so an echoing peer cannot make this loop.
  if (msg.type === 1n) ctx.send({ type: 2n, id: msg.id }, msg.data);
}
`;
}
