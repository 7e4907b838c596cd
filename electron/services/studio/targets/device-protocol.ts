// The protocol handshake on the Studio's side. A kernel module says which
// protocol it speaks (kucomms_set_protocol()); its device shows name,
// version and hash in sysfs. Before a device target opens, the Studio
// reads them, picks the layout of that name, and compares the layout's hash
// with the module's, so a mismatch is known before any message decodes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProtocolCheck } from '../../../shared/api/targets-api.ts';
import { diffLayouts } from '../../protocol/layout-diff.ts';
import type { Layout } from '../../protocol/layout.ts';
import { formatHash, protocolHash } from '../../protocol/protocol-hash.ts';

export interface AdvertisedProtocol {
  name: string;
  version: string;
  /** 0x and 16 hex digits, as sysfs shows it */
  hash: string;
}

/** What the module behind /dev/kucomms_NAME said it speaks; undefined when it said nothing (or cannot say). */
export async function advertisedProtocol(
  target: string,
  classDir = '/sys/class/kucomms',
): Promise<AdvertisedProtocol | undefined> {
  const dir = path.join(classDir, path.basename(target));
  const read = (attribute: string) =>
    readFile(path.join(dir, attribute), 'utf8').then(
      (text) => text.trim(),
      () => '',
    );
  const [name, version, hash] = await Promise.all([
    read('protocol_name'),
    read('protocol_version'),
    read('protocol_hash'),
  ]);
  return name && /^0x[0-9a-f]{16}$/.test(hash) ? { name, version, hash } : undefined;
}

/**
 * The module's protocol against @layout (the layout the target decodes
 * with, if any). @others are every layout the Studio has: one with the
 * module's hash is the module's own version, and what differs is listed.
 */
export function checkProtocol(
  target: string,
  advertised: AdvertisedProtocol,
  layout: { layout: Layout; file: string } | undefined,
  others: Array<{ layout: Layout; file: string }>,
): ProtocolCheck {
  const module = `${advertised.name}${advertised.version ? ` ${advertised.version}` : ''} hash ${advertised.hash}`;
  if (!layout)
    return {
      advertised,
      match: false,
      message: `${target} speaks protocol ${module}, and the Studio has no layout of that name: messages show undecoded`,
    };
  const layoutHash = formatHash(protocolHash(layout.layout));
  const base = { advertised, layoutFile: layout.file, layoutHash };
  if (layout.layout.protocol === advertised.name && layoutHash === advertised.hash)
    return { ...base, match: true, message: `${target} speaks ${module}, as ${layout.file} does` };
  const theirs = others.find((o) => formatHash(protocolHash(o.layout)) === advertised.hash);
  const differences = theirs ? diffLayouts(theirs.layout, layout.layout).map((c) => c.message) : undefined;
  return {
    ...base,
    match: false,
    message:
      `${target} speaks protocol ${module}, but ${layout.file} (protocol ${layout.layout.protocol}) has hash ${layoutHash}: ` +
      `its messages may decode wrongly${theirs ? `; the module's version is ${theirs.file}` : ''}`,
    ...(differences ? { differences } : {}),
  };
}
