// The Studio's capture file (.kucap): a 16-byte file header, then blocks
// appended one after the other, each checksummed on its own, so that
//  - a file cut off mid-write (kill -9, power loss) reads to its last whole
//    block, and
//  - a damaged block is found by its checksum, reported and skipped: the
//    reader looks for the next block magic whose checksum holds.
// Every block names the targets its records use, so each block can be read
// without the ones before it. All integers are little-endian.
//
//   file header  0  8  magic "KUCMCAP\n"
//                8  4  version (1)
//               12  4  flags (0)
//   block        0  4  magic "KBLK"
//                4  4  body length in bytes
//                8  4  record count
//               12  4  CRC-32 (zlib's) of bytes 4..12, then of the body
//               16     body:
//                        u16 target count, then per target: u16 byte length + UTF-8 name
//                        records, each:
//                          0  8  timestamp, ns since the Unix epoch
//                          8  2  target (index into this block's table)
//                         10  1  direction: 0 = tx (sent to the target), 1 = rx (received from it)
//                         11  5  reserved (0)
//                         16 32  the kucomms message header (length, type, id, user_value)
//                         48     the data, `length` bytes
import type { Message } from '../../shared/message.ts';

/** One captured message and the target it went to or came from. */
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
  };
}

export const FILE_MAGIC = Buffer.from('KUCMCAP\n', 'latin1');
export const FILE_VERSION = 1;
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
