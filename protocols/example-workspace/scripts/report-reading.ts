// The controller's side for the tests: reports one reading of zone 2 as soon
// as it runs (the echo target sends it back, so a test can expect it).
import type { ScriptContext } from 'kucomms:script';

let reported = false;

export function onWork(ctx: ScriptContext): void {
  if (reported) return;
  reported = true;
  ctx.sendDecoded('reading', { zone: 2, celsius: 21.5 }, { id: 100 });
}
