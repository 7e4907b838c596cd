// The layout calls against real files: a temporary workspace beside the
// shipped protocols/, through the StudioService the way serve runs it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { base64ToBytes } from '../../../shared/message.ts';
import { StudioError } from '../../../shared/studio-api.ts';
import { ProtocolRegistry } from '../protocols.ts';
import { StudioService } from '../studio-service.ts';

const THERMO = `protocol: thermo
doc: A thermometer.   # kept through a copy
header:
  type: { name: kind, enum: kind }
messages:
  - name: reading
    when: { type: reading }
    fields:
      - { name: celsius, type: s16 }
      - { name: sensor, type: u8 }
      - { name: label, type: string, size: { prefix: u8 } }
      - { name: status, type: u8 }
enums:
  kind:
    2: reading
`;

let dir: string;
let studio: StudioService;
/** What the workspace watcher reloads when a layout changes on disk. */
let registry: ProtocolRegistry;
const h = () => studio.handlers;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'kucomms-layouts-'));
  registry = new ProtocolRegistry({ workspaceDir: () => dir });
  studio = new StudioService({ mode: 'serve', workspaceDir: dir, protocols: registry });
});
after(async () => {
  await studio.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof StudioError, `expected a StudioError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    return true;
  });
}

describe('layouts: listing and the registry', () => {
  test("the shipped layouts are listed read-only; a workspace layout joins them and the composer's protocols", async () => {
    const before = await h().listLayouts({});
    assert.ok(
      before.some(
        (f) =>
          f.source === 'builtin' &&
          f.name === 'echo.yaml' &&
          f.readOnly &&
          f.protocol === 'echo' &&
          f.errors.length === 0,
      ),
    );
    const saved = await h().saveLayout({ name: 'thermo.yaml', text: THERMO });
    assert.deepEqual(saved.file, {
      source: 'workspace',
      name: 'thermo.yaml',
      readOnly: false,
      protocol: 'thermo',
      errors: [],
    });
    assert.equal(saved.warning, undefined);
    const files = await h().listLayouts({});
    assert.ok(files.some((f) => f.source === 'workspace' && f.name === 'thermo.yaml'));
    const protocols = await h().listProtocols({});
    assert.deepEqual(
      protocols.find((p) => p.protocol === 'thermo')?.kinds.map((k) => k.name),
      ['reading'],
    );
  });

  test('a broken workspace file is listed with every error, and the other layouts keep working', async () => {
    writeFileSync(
      path.join(dir, 'layouts/broken.yaml'),
      'protocol: broken\nmessages:\n  - name: a\n    fields:\n      - { name: x, type: u12 }\n      - { name: y, type: u8, size: 4, colour: red }\n',
    );
    registry.reload();
    const broken = (await h().listLayouts({})).find((f) => f.name === 'broken.yaml');
    assert.ok(broken && broken.protocol === undefined);
    assert.deepEqual(
      broken.errors.map((e) => [e.line, e.column]),
      [
        [5, 26],
        [6, 30],
        [6, 39],
      ],
    );
    assert.match(broken.errors[0]!.message, /unknown type "u12"/);
    assert.ok((await h().listProtocols({})).some((p) => p.protocol === 'thermo'));
    rmSync(path.join(dir, 'layouts/broken.yaml'));
    registry.reload();
  });

  test('two files with one protocol name: the later one gets an error naming the file that has it', async () => {
    writeFileSync(path.join(dir, 'layouts/echo2.yaml'), readFileSync('protocols/echo.yaml', 'utf8'));
    registry.reload();
    const clash = (await h().listLayouts({})).find((f) => f.name === 'echo2.yaml');
    assert.equal(clash?.errors.length, 1);
    assert.match(
      clash!.errors[0]!.message,
      /protocol "echo" is already defined by the shipped layout protocols\/echo\.yaml/,
    );
    assert.equal(
      clash!.errors[0]!.line,
      readFileSync('protocols/echo.yaml', 'utf8')
        .split('\n')
        .findIndex((l) => l.startsWith('protocol:')) + 1,
    );
    rmSync(path.join(dir, 'layouts/echo2.yaml'));
    registry.reload();
  });

  test('readLayout reads shipped and workspace files and nothing outside them', async () => {
    assert.equal(
      (await h().readLayout({ source: 'builtin', name: 'echo.yaml' })).text,
      readFileSync('protocols/echo.yaml', 'utf8'),
    );
    assert.deepEqual(await h().readLayout({ source: 'workspace', name: 'thermo.yaml' }), {
      text: THERMO,
      readOnly: false,
    });
    await rejects(h().readLayout({ source: 'builtin', name: '../package.json' }), 'ENOENT', /no shipped layout/);
    await rejects(h().readLayout({ source: 'workspace', name: '../x.yaml' }), 'EINVAL_INPUT', /not a valid file name/);
  });
});

describe('layouts: checking, preview, code', () => {
  test('checkLayout returns every error with line and column at once, and the summary when valid', async () => {
    const bad =
      'protocol: Bad\nmessages:\n  - name: k\n    fields:\n      - { name: a, type: u12 }\n      - { name: b, type: bytes }\n';
    const r = await h().checkLayout({ text: bad });
    assert.deepEqual(
      r.errors.map((e) => `${e.line}:${e.column}`),
      ['1:11', '5:26', '6:9'],
    );
    assert.equal(r.summary, undefined);
    const ok = await h().checkLayout({ text: THERMO.replace('thermo', 'thermo_b') });
    assert.deepEqual(ok.errors, []);
    assert.deepEqual(
      ok.summary?.kinds[0]?.fields.map((f) => f.type),
      ['s16', 'u8', 'string', 'u8'],
    );
  });

  test('checkLayout: a protocol name another file has is an error at the protocol line', async () => {
    const r = await h().checkLayout({ text: THERMO, file: { source: 'workspace', name: 'other.yaml' } });
    assert.deepEqual(
      r.errors.map((e) => [e.line, e.column, e.path]),
      [[1, 11, 'protocol']],
    );
    assert.match(r.errors[0]!.message, /already defined by layouts\/thermo\.yaml/);
    assert.deepEqual(
      (await h().checkLayout({ text: THERMO, file: { source: 'workspace', name: 'thermo.yaml' } })).errors,
      [],
    );
  });

  test('previewLayout encodes a sample of the kind: the header selects it, fields at their defaults or as given', async () => {
    const p = await h().previewLayout({ text: THERMO, kind: 'reading' });
    const bytes = base64ToBytes(p.bytes);
    assert.equal(bytes.length, 32 + 2 + 1 + 1 + 1);
    assert.equal(bytes[8], 2); // type = reading
    assert.equal(p.decoded.kind, 'reading');
    assert.deepEqual(
      p.decoded.tree.find((n) => n.name === 'data')?.children?.map((c) => [c.name, c.offset, c.size]),
      [
        ['celsius', 32, 2],
        ['sensor', 34, 1],
        ['label', 35, 1],
        ['status', 36, 1],
      ],
    );
    const given = await h().previewLayout({ text: THERMO, kind: 'reading', fields: { celsius: -2, label: 'hi' } });
    assert.deepEqual([...base64ToBytes(given.bytes).subarray(32)], [0xfe, 0xff, 0, 2, 0x68, 0x69, 0]);
    await rejects(
      h().previewLayout({ text: THERMO, kind: 'nope' }),
      'ENOENT',
      /no message kind "nope": its kinds are reading/,
    );
    await rejects(h().previewLayout({ text: 'protocol: x\n', kind: 'a' }), 'EINVAL_INPUT', /1 error .*messages/);
  });

  test('previewLayout fills fixed arrays, fixed strings and nested structs of the shipped telemetry layout', async () => {
    const { text } = await h().readLayout({ source: 'builtin', name: 'telemetry.yaml' });
    const summary = (await h().checkLayout({ text, file: { source: 'builtin', name: 'telemetry.yaml' } })).summary!;
    for (const kind of summary.kinds) {
      const p = await h().previewLayout({ text, kind: kind.name });
      assert.equal(p.decoded.error, undefined, `${kind.name}: ${p.decoded.error?.message}`);
    }
  });

  test('generateCode gives the C header, TypeScript types and Lua dissector named after the protocol', async () => {
    const c = await h().generateCode({ text: THERMO, language: 'c' });
    assert.equal(c.fileName, 'thermo_layout.h');
    assert.match(c.code, /struct thermo_msg_reading/);
    const ts = await h().generateCode({ text: THERMO, language: 'ts' });
    assert.match(ts.code, /interface ReadingData/);
    const lua = await h().generateCode({ text: THERMO, language: 'lua' });
    assert.equal(lua.fileName, 'kucomms_thermo.lua');
    assert.match(lua.code, /kucomms_thermo\.reading\.celsius/);
    await rejects(h().generateCode({ text: 'protocol: x\nmessages: []\n', language: 'c' }), 'EINVAL_INPUT', /error/);
  });
});

describe('layouts: saving, creating, compatibility', () => {
  test('saving a layout with errors keeps the text and says it is not used until fixed', async () => {
    const text = 'protocol: draft\nmessages:\n  - name: a\n    fields:\n      - { name: x, type: u12 }\n';
    const r = await h().saveLayout({ name: 'draft.yaml', text });
    assert.equal(readFileSync(path.join(dir, 'layouts/draft.yaml'), 'utf8'), text);
    assert.equal(r.file.errors.length, 1);
    assert.match(r.warning ?? '', /saved with 1 error: it is not used until it is fixed/);
    assert.ok(!(await h().listProtocols({})).some((p) => p.protocol === 'draft'));
  });

  test('createLayout starts from a template that loads, named after the file, and never overwrites', async () => {
    const r = await h().createLayout({ name: 'My-Proto.yaml' });
    assert.deepEqual(r.file.errors, []);
    assert.equal(r.file.protocol, 'my_proto');
    assert.equal(readFileSync(path.join(dir, 'layouts/My-Proto.yaml'), 'utf8'), r.text);
    await rejects(h().createLayout({ name: 'My-Proto.yaml' }), 'EEXIST', /already exists/);
    await rejects(h().createLayout({ name: 'a/b.yaml' }), 'EINVAL_INPUT', /not a valid file name/);
  });

  test('createLayout from a shipped layout copies it byte for byte but for the protocol name', async () => {
    for (const shipped of ['echo', 'longtest', 'telemetry']) {
      const r = await h().createLayout({
        name: `${shipped}_copy.yaml`,
        from: { source: 'builtin', name: `${shipped}.yaml` },
      });
      assert.equal(r.file.protocol, `${shipped}_copy`);
      assert.deepEqual(r.file.errors, []);
      const original = readFileSync(`protocols/${shipped}.yaml`, 'utf8');
      assert.equal(
        r.text,
        original.replace(/^protocol: \w+$/m, `protocol: ${shipped}_copy`),
        `${shipped}.yaml's copy differs beyond its protocol line`,
      );
    }
  });

  test('compatibility: moved, resized, retyped and removed fields, removed kinds and changed `when` are named with old and new offsets', async () => {
    const edited = THERMO.replace('{ name: celsius, type: s16 }', '{ name: celsius, type: s32 }')
      .replace('      - { name: sensor, type: u8 }\n', '')
      .replace('{ name: status, type: u8 }', '{ name: status, type: bool }')
      .replace('when: { type: reading }', 'when: { type: 3 }');
    const r = await h().checkLayout({ text: edited, file: { source: 'workspace', name: 'thermo.yaml' } });
    assert.deepEqual(r.errors, []);
    const seen = r.compatibility.map((w) => [
      w.kind,
      w.field ?? '',
      w.change,
      w.old?.offset ?? w.old?.when,
      w.new?.offset ?? w.new?.when,
      w.old?.size,
      w.new?.size,
    ]);
    assert.deepEqual(seen, [
      ['reading', '', 'when-changed', 'type=2', 'type=3', undefined, undefined],
      ['reading', 'celsius', 'retyped', 32, 32, 2, 4],
      ['reading', 'celsius', 'resized', 32, 32, 2, 4],
      ['reading', 'sensor', 'removed', 34, undefined, 1, undefined],
      ['reading', 'label', 'moved', 35, 36, undefined, undefined],
      ['reading', 'status', 'retyped', undefined, undefined, 1, 1],
    ]);
    assert.match(
      r.compatibility.find((w) => w.change === 'moved')!.message,
      /reading\.label moved from offset 35 to 36/,
    );
    const gone = await h().checkLayout({
      text: THERMO.replace(/ {2}- name: reading[\s\S]*?(?=enums:)/, '  - name: other\n'),
      file: { source: 'workspace', name: 'thermo.yaml' },
    });
    assert.deepEqual(
      gone.compatibility.map((w) => [w.kind, w.change]),
      [['reading', 'kind-removed']],
    );
    assert.deepEqual(
      (await h().checkLayout({ text: THERMO, file: { source: 'workspace', name: 'thermo.yaml' } })).compatibility,
      [],
    );
  });
});
