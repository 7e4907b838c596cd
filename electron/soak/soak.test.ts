// The soak test's 10-second version (npm run soak runs it for 60 s and
// prints its figures): serve on loopback with 200 clients calling, one
// subscribed to traffic, one sending malformed frames and demo:echo offered
// all it takes. Nothing exits, every well-formed call is answered, memory
// stays within its bound.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from './soak.ts';

test('soak: serve under 200 calling clients, a traffic subscriber, malformed frames and a flooded demo:echo for 10 s stays up, answers every call and keeps its memory bounded', async () => {
  const r = await runSoak(10, 200);
  const { failedCalls, ...figures } = r;
  assert.deepEqual(r.problems, [], `${JSON.stringify({ ...figures, failedCalls: failedCalls.slice(0, 3) })}`);
  assert.ok(r.calls > 200 && r.malformedFrames > 0 && r.messagesDelivered > 0, JSON.stringify(figures));
});
