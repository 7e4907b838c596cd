// What kucomms-studio hash and diff-layout do: a layout's protocol hash, and
// every wire change between two versions of a layout, so CI can guard a
// protocol. Loaded when one of them runs.
import { diffLayouts, type LayoutChange } from '../services/protocol/layout-diff.ts';
import { formatHash, protocolHash } from '../services/protocol/protocol-hash.ts';
import { EXIT } from './exit-codes.ts';
import { loadLayoutOrReport } from './protocol-actions.ts';

/** kucomms-studio hash: "NAME VERSION HASH  FILE" per layout. */
export async function hashCommand(files: string[]): Promise<number> {
  let invalid = false;
  for (const file of files) {
    const layout = loadLayoutOrReport(file);
    if (!layout) {
      invalid = true;
      continue;
    }
    const version = layout.version ? ` ${layout.version}` : '';
    process.stdout.write(`${formatHash(protocolHash(layout))}  ${layout.protocol}${version}  ${file}\n`);
  }
  return invalid ? EXIT.LAYOUT : EXIT.OK;
}

export function formatChange(c: LayoutChange): string {
  return `${c.breaking ? 'breaking  ' : 'compatible'}  ${c.message}`;
}

/** kucomms-studio diff-layout: exit 5 when any change is breaking. */
export async function diffLayoutCommand(oldFile: string, newFile: string, o: { json?: boolean }): Promise<number> {
  const before = loadLayoutOrReport(oldFile);
  const after = loadLayoutOrReport(newFile);
  if (!before || !after) return EXIT.LAYOUT;
  const changes = diffLayouts(before, after);
  const breaking = changes.filter((c) => c.breaking).length;
  const hashes = { old: formatHash(protocolHash(before)), new: formatHash(protocolHash(after)) };
  if (o.json) process.stdout.write(`${JSON.stringify({ ...hashes, breaking, changes })}\n`);
  else {
    for (const c of changes) process.stdout.write(`${formatChange(c)}\n`);
    process.stdout.write(
      `${oldFile} ${hashes.old} -> ${newFile} ${hashes.new}: ` +
        (changes.length === 0
          ? 'no wire change\n'
          : `${changes.length} change${changes.length === 1 ? '' : 's'}, ${breaking} breaking\n`),
    );
  }
  return breaking > 0 ? EXIT.DIFFERENT : EXIT.OK;
}
