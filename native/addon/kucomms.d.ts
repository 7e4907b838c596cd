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

export declare const RECORD_HEADER_SIZE: number;
export declare const RING_MIN_CAPACITY: number;
export declare const RING_MAX_CAPACITY: number;
export declare const RING_DEFAULT_CAPACITY: number;
