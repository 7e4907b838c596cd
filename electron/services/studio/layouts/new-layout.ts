// The text a new workspace layout starts with: a small template, or a copy
// of another layout with its protocol renamed after the new file (two
// layouts may not share a protocol name). Only the name's text changes in
// the copy: everything else stays byte for byte, as written.
import { isScalar, parseDocument } from 'yaml';

/** A protocol name (lower case, [a-z][a-z0-9_]*) made from a file name: "My-Proto.yaml" -> my_proto. */
export function protocolNameFor(fileName: string): string {
  const stem = fileName
    .replace(/\.ya?ml$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const name = /^[a-z]/.test(stem) ? stem : `p_${stem}`;
  return name.slice(0, 48);
}

export function layoutTemplate(protocol: string): string {
  return `# A kucomms protocol layout: protocols/README.md describes the format.
protocol: ${protocol}
doc: What this protocol is for.
endian: little
header:
  type: { name: kind, enum: kind }
  id: { name: request_id }
messages:
  - name: ping
    when: { type: ping }
    fields:
      - { name: sequence, type: u32 }
enums:
  kind:
    1: ping
`;
}

/**
 * @text with its top-level `protocol` set to @protocol (a plain name, see
 * protocolNameFor): the old value's text is replaced in place. Where that
 * cannot be done (no value written, say) the document is printed again.
 */
export function renameProtocol(text: string, protocol: string): string {
  const doc = parseDocument(text);
  const node = doc.get('protocol', true);
  if (isScalar(node) && node.range && node.range[1] > node.range[0]) {
    const spliced = `${text.slice(0, node.range[0])}${protocol}${text.slice(node.range[1])}`;
    if (parseDocument(spliced).get('protocol') === protocol) return spliced;
  }
  doc.set('protocol', protocol);
  return doc.toString({ lineWidth: 0 });
}
