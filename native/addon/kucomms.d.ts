// The contract of the kucomms Node-API addon (build/Release/kucomms.node).
// The Studio wraps it in electron/services/endpoint.ts; use that instead.
//
// u64 header fields are BigInt in both directions (a number loses precision
// above 2^53); JSON carries them as decimal strings (electron/shared/message.ts).
//
// Errors are Error objects with `code`: the errno name ('ENOENT' no such
// device or shm peer, 'EMSGSIZE' message larger than the ring allows,
// 'ENOBUFS' send ring full, 'EPIPE' peer gone, 'EPROTO' corrupt ring, ...)
// or 'ERR_ENDPOINT_CLOSED', plus `errno` (the positive number) for errno
// codes. Bad arguments throw TypeError or RangeError.

export interface EndpointOptions {
  /** Send ring bytes: a power of two, 4 KiB .. 16 MiB; default 256 KiB. */
  txCapacity?: number;
  /** Receive ring bytes, as txCapacity (devices; a shm creator decides). */
  rxCapacity?: number;
  /** Nanoseconds the endpoint thread polls before sleeping; libkucomms's default if omitted. */
  spinNs?: number;
  /** Most records per onBatch call; 1 gives one call per message. Default 4096. */
  maxBatch?: number;
  /**
   * Bytes of records waiting for JavaScript at which the endpoint thread
   * stops reading the ring (the ring then fills). Default 1 MiB.
   */
  maxPendingBytes?: number;
  /** Report sent messages as records with direction 1. Default true. */
  reportSent?: boolean;
}

/**
 * One batch: @count records packed in @batch, each (little-endian, 8-byte
 * aligned): u64 timestamp (CLOCK_REALTIME ns), u32 direction (0 received,
 * 1 sent), u32 zero, u64 length, u64 type, u64 id, u64 user_value, then
 * `length` data bytes padded with zeros to a multiple of 8.
 * RECORD_HEADER_SIZE is the 48 bytes before the data.
 */
export type BatchCallback = (batch: Buffer, count: number) => void;

/** The link died (the peer closed or vanished, or corrupted the ring). Called once, after its last message. */
export type DownCallback = (error: Error & { code: string; errno: number }) => void;

export interface NativeCounters {
  /** libkucomms link counters. */
  sent: bigint;
  received: bigint;
  bytesSent: bigint;
  bytesReceived: bigint;
  /** Sends refused because the send ring was full. */
  fullEvents: bigint;
  wakeupsSent: bigint;
  sleeps: bigint;
  txCapacity: bigint;
  txFree: bigint;
  /** The receive ring: its size, bytes waiting in it now, and the peer's refused sends (as the peer reports them). */
  rxCapacity: bigint;
  rxUsed: bigint;
  peerFullEvents: bigint;
  /** Delivery to JavaScript. */
  delivered: bigint;
  batches: bigint;
  /** Times the endpoint thread stopped reading because JavaScript was behind. */
  stalls: bigint;
  pendingBytes: bigint;
  peakPendingBytes: bigint;
}

export declare class Endpoint {
  /**
   * Opens `/dev/kucomms_NAME`, `shm:NAME`, or `inproc:loopback` (a link from
   * the endpoint to itself: what is sent is received back) and starts the
   * endpoint thread.
   */
  constructor(target: string, options: EndpointOptions, onBatch: BatchCallback, onDown: DownCallback);
  readonly target: string;
  /** Largest data length this link can send. */
  readonly maxLength: number;
  /** Sends one message; throws (e.g. code 'ENOBUFS' when the ring is full). */
  send(type: bigint, id: bigint, userValue: bigint, data?: Uint8Array): void;
  /**
   * Sends @count copies, ids counting up from @firstId, off the JS thread,
   * waiting while the ring is full. Resolves with the number sent.
   */
  sendBurst(count: number, type: bigint, firstId: bigint, userValue: bigint, data?: Uint8Array): Promise<number>;
  counters(): NativeCounters;
  /** Stops the thread and closes the link; records already queued are still delivered. Idempotent. */
  close(): void;
}

export interface MonitorOptions {
  /** Ring bytes: a power of two, 4 KiB .. 16 MiB; 0 or absent: the default (1 MiB). */
  capacity?: number;
  /** Data bytes kept of each message; 0 or absent: all. */
  snaplen?: number;
  /** Most records per onBatch call. Default 4096. */
  maxBatch?: number;
  /** Bytes of records waiting for JavaScript at which the reading thread stops reading (the ring then fills and drops). Default 4 MiB. */
  maxPendingBytes?: number;
}

/**
 * One batch of a monitor: @count records packed in @batch, each a struct
 * kucomms_mon_record of linux/kucomms.h (MONITOR_RECORD_SIZE = 160 bytes,
 * little-endian): 0 u64 time_ns, 8 u16 kind (1 message, 2 drop, 3 event),
 * 10 u8 dir (0 from the module / side 0, 1 to the module / side 1, 2 none),
 * 11 u8 event, 12 u32 link_id (0xffffffff: none), 16 i32 pid, 20 u32 caplen,
 * 24 u64 value, 32 char comm[16], 48 char device[64] (NUL-terminated),
 * 112 the message header (u64 length, type, id, user_value), 144 reserved;
 * then caplen data bytes padded with zeros to a multiple of 8.
 */
export type MonitorBatchCallback = (batch: Buffer, count: number) => void;

export interface MonitorCounters {
  /** Records read from the ring. */
  records: bigint;
  /** Records the producer could not put into the full ring (each counted in a drop record). */
  ringFullEvents: bigint;
  delivered: bigint;
  batches: bigint;
  stalls: bigint;
  pendingBytes: bigint;
  peakPendingBytes: bigint;
}

export declare class Monitor {
  /**
   * Starts a monitor (libkucomms's kucomms_monitor_open()) of `shm:NAME` (a
   * shm link one of whose programs publishes it), `/dev/kucomms_NAME` or
   * `/dev/kucomms` (every device, through the kernel's /dev/kumon), read by
   * a thread of its own. Throws an Error with `code` ('ENOENT' nothing to
   * watch, 'EACCES'/'EPERM' not allowed, 'EBUSY' watched already,
   * 'EPROTONOSUPPORT' another monitor ABI, ...) and a message saying the fix.
   */
  constructor(target: string, options: MonitorOptions, onBatch: MonitorBatchCallback, onDown: DownCallback);
  readonly target: string;
  counters(): MonitorCounters;
  /** Stops the thread and closes the monitor; records already queued are still delivered. Idempotent. */
  close(): void;
}

export declare const MONITOR_RECORD_SIZE: number;
export declare const RECORD_HEADER_SIZE: number;
export declare const RING_MIN_CAPACITY: number;
export declare const RING_MAX_CAPACITY: number;
export declare const RING_DEFAULT_CAPACITY: number;
