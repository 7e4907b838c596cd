// settings.json as people edit it by hand: every mistake is reported with
// its line and column, and the Studio goes on with the defaults.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSettings } from './settings.ts';

describe('workspace settings', () => {
  test('a valid file gives its settings', () => {
    const text = '{\n  "defaultTarget": "shm:sensor",\n  "defaultLayouts": { "shm:sensor": "telemetry" }\n}\n';
    assert.deepEqual(parseSettings(text, 'settings.json'), {
      settings: { defaultTarget: 'shm:sensor', defaultLayouts: { 'shm:sensor': 'telemetry' } },
      errors: [],
    });
  });

  test('a JSON syntax error says where', () => {
    const { settings, errors } = parseSettings('{\n  "defaultTarget": "demo:echo",\n}\n', '/ws/settings.json');
    assert.deepEqual(settings, {});
    assert.equal(errors.length, 1);
    assert.deepEqual(
      { line: errors[0]?.line, column: errors[0]?.column, file: errors[0]?.file },
      { line: 3, column: 1, file: '/ws/settings.json' },
    );
    assert.match(errors[0]?.message ?? '', /^not valid JSON: /);
  });

  test('a file cut short is an error at its end', () => {
    const { errors } = parseSettings('{\n  "defaultTarget": ', 'settings.json');
    assert.deepEqual([errors[0]?.line, errors[0]?.column], [2, 20]);
  });

  test('wrong values and unknown keys are each reported at their place, all at once', () => {
    const text = '{\n  "defaultTarget": 7,\n  "defaultLayouts": { "demo:echo": "" },\n  "theme": "dark"\n}\n';
    const { settings, errors } = parseSettings(text, 'settings.json');
    assert.deepEqual(settings, {});
    assert.deepEqual(
      errors.map((e) => [e.line, e.column, e.path]),
      [
        [2, 20, 'defaultTarget'],
        [3, 36, 'defaultLayouts.demo:echo'],
        [4, 3, 'theme'],
      ],
    );
    assert.match(errors[2]?.message ?? '', /unknown setting "theme"; the settings are defaultTarget, defaultLayouts/);
    assert.match(errors[1]?.message ?? '', /expected a protocol name/);
  });
});
