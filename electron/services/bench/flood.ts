// Keeps an endpoint's send ring busy for a benchmark: bursts of messages
// with ids counting up, until stopped. A full ring only slows it down.
import type { Endpoint } from '../endpoint.ts';

const BURST = 100_000;

export interface Flood {
  /** Stops after the burst in flight; resolves when it has returned. */
  stop(): Promise<void>;
}

export function flood(ep: Endpoint, data: Uint8Array): Flood {
  let sending = true;
  const done = (async () => {
    let id = 0n;
    while (sending) {
      await ep.sendBurst(BURST, { type: 1n, id, userValue: 0n }, data).catch(() => 0);
      id += BigInt(BURST);
    }
  })();
  return {
    stop() {
      sending = false;
      return done;
    },
  };
}
