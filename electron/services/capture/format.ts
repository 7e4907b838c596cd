// The Studio's capture file (.kucap): a 16-byte file header, then blocks
// appended one after the other, each checksummed on its own, so that
//  - a file cut off mid-write (kill -9, power loss) reads to its last whole
//    block, and
//  - a damaged block is found by its checksum, reported and skipped: the
//    reader looks for the next block magic whose checksum holds.
// Every block names the targets (and, from version 2, the origins) its
// records use, so each block can be read without the ones before it. All
// integers are little-endian.
//
//   file header  0  8  magic "KUCMCAP\n"
//                8  4  version (2; version 1 files are read too)
//               12  4  flags (0)
//   block        0  4  magic "KBLK"
//                4  4  body length in bytes
//                8  4  record count
//               12  4  CRC-32 (zlib's) of bytes 4..12, then of the body
//               16     body:
//                        u16 target count, then per target: u16 byte length + UTF-8 name
//                        version 2: u16 origin count, then per origin: u16 byte length + UTF-8 JSON
//                          {"device","link"?,"pid","process","note"?,"value"?} (a monitored message's
//                          link and process; note and value: a monitor's drop or event, value a decimal string)
//                        records, each:
//                          0  8  timestamp, ns since the Unix epoch
//                          8  2  target (index into this block's table)
//                         10  1  direction: 0 = tx (sent to the target), 1 = rx (received from it)
//                         11  1  reserved (0)
//                         12  4  version 2: origin, 0 = none (the Studio's own message), else 1 + its
//                                index into this block's origin table; version 1: reserved (0)
//                         16 32  the kucomms message header (length, type, id, user_value)
//                         48     the data, `length` bytes
import {
  originFromJson,
  originJsonSchema,
  originToJson,
  type Message,
  type MessageOrigin,
} from '../../shared/message.ts';

/** One captured message and the target it went to or came from (its origin too, if it was monitored). */
export interface CaptureRecord extends Message {
  target: string;
}

/**
 * A message as a capture record. Copies field by field: a received Message
 * may keep its data behind a getter, which object spread would lose.
 */
export function captureRecord(m: Message, target: string): CaptureRecord {
  return {
    target,
    direction: m.direction,
    timestampNs: m.timestampNs,
    length: m.length,
    type: m.type,
    id: m.id,
    userValue: m.userValue,
    data: m.data,
    ...(m.origin ? { origin: m.origin } : {}),
  };
}

export const FILE_MAGIC = Buffer.from('KUCMCAP\n', 'latin1');
export const FILE_VERSION = 2;
/** The versions this Studio reads: 1 (no origins) and 2. */
export const READ_VERSIONS = [1, 2];
export const FILE_HEADER_SIZE = 16;
export const BLOCK_MAGIC = 0x4b4c424b; // "KBLK" read as a little-endian u32
export const BLOCK_HEADER_SIZE = 16;
export const RECORD_HEADER_SIZE = 48;

export const DIRECTION_CODE = { tx: 0, rx: 1 } as const;
export const DIRECTION_NAME = ['tx', 'rx'] as const;

export function fileHeader(): Buffer {
  const b = Buffer.alloc(FILE_HEADER_SIZE);
  FILE_MAGIC.copy(b, 0);
  b.writeUInt32LE(FILE_VERSION, 8);
  return b;
}

/** An origin as a version-2 origin table holds it. */
export function originBytes(o: MessageOrigin): Buffer {
  return Buffer.from(JSON.stringify(originToJson(o)), 'utf8');
}

/** An origin table entry back, or why it is not one. */
export function originFromBytes(text: string): MessageOrigin | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'an origin that is not JSON';
  }
  const r = originJsonSchema.safeParse(json);
  return r.success ? originFromJson(r.data) : `an origin that does not fit: ${r.error.issues[0]?.message ?? ''}`;
}
