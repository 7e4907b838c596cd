// The Studio API is gathered from its areas: every call and event an area
// file declares is in the API once. Two areas declaring the same name would
// otherwise lose one silently (the tables are joined by spreading), and an
// area file left out of studio-api.ts would never reach a transport.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { CALL_NAMES, EVENT_NAMES } from '../studio-api.ts';

const here = new URL('./', import.meta.url);
const areaFiles = readdirSync(here).filter((f) => f.endsWith('-api.ts'));

/** Every table an area file exports whose name ends in @suffix, by area file. */
async function tables(suffix: 'Calls' | 'Events'): Promise<Array<{ file: string; names: string[] }>> {
  const out: Array<{ file: string; names: string[] }> = [];
  for (const file of areaFiles) {
    const module = (await import(new URL(file, here).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module))
      if (name.endsWith(suffix) && typeof value === 'object' && value !== null)
        out.push({ file, names: Object.keys(value) });
  }
  return out;
}

function declaredOnce(declared: Array<{ file: string; names: string[] }>): string[] {
  const owner = new Map<string, string>();
  for (const { file, names } of declared)
    for (const name of names) {
      assert.equal(owner.get(name), undefined, `${name} is declared by both ${owner.get(name)} and ${file}`);
      owner.set(name, file);
    }
  return [...owner.keys()].sort();
}

test('every call an area declares is in the API, and no two areas declare the same call', async () => {
  assert.deepEqual(declaredOnce(await tables('Calls')), [...CALL_NAMES].sort());
});

test('every event an area declares is in the API, and no two areas declare the same event', async () => {
  assert.deepEqual(declaredOnce(await tables('Events')), [...EVENT_NAMES].sort());
});
