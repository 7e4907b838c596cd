// Loads a layout file: YAML (duplicate keys are errors), checked against
// protocols/layout.schema.json, then resolved by buildLayout(). All errors of
// all three stages come back together, each with file, line and column.
import { readFileSync, statSync } from 'node:fs';
import { LIMITS, formatBytes, utf8Bytes } from '../../shared/limits.ts';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { buildLayout } from './build-layout.ts';
import type { Layout } from './layout.ts';
import { ErrorSink, LayoutLoadError, type DocPath } from './load-errors.ts';
import { readYamlText } from './yaml-text.ts';

export { LayoutLoadError, formatLayoutError, type LayoutError } from './load-errors.ts';

const schemaUrl = new URL('../../../protocols/layout.schema.json', import.meta.url);
const schema = JSON.parse(readFileSync(schemaUrl, 'utf8')) as object;
const validate = new Ajv({ allErrors: true, verbose: true, strict: true }).compile(schema);

/** Loads and checks a layout file; throws LayoutLoadError listing every problem. */
export function loadLayoutFile(file: string): Layout {
  // Checked before reading: a huge file is refused without holding it in memory.
  const size = statSync(file).size;
  if (size > LIMITS.layoutBytes) throw tooLarge(file, size);
  return loadLayoutText(readFileSync(file, 'utf8'), file);
}

function tooLarge(file: string, bytes: number): LayoutLoadError {
  return new LayoutLoadError([
    {
      file,
      line: 1,
      column: 1,
      path: '',
      message: `the layout is ${bytes} bytes; a layout is at most ${formatBytes(LIMITS.layoutBytes)}`,
    },
  ]);
}

export function loadLayoutText(text: string, file: string): Layout {
  const bytes = utf8Bytes(text);
  if (bytes > LIMITS.layoutBytes) throw tooLarge(file, bytes);
  // Integers arrive as BigInt so that u64 values keep every digit; those that
  // fit a double become numbers for the schema, the rest decimal strings.
  const { js, sink } = readYamlText(text, file);
  const plain = numbersFromBigInt(js);
  checkSchema(validate, plain, sink);
  const layout = buildLayout(plain, file, sink);
  if (sink.errors.length > 0) {
    sink.errors.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new LayoutLoadError(sink.errors);
  }
  return layout;
}

/** Reports at its line and column every way @value breaks the JSON Schema @check compiled (Ajv with allErrors). */
export function checkSchema(check: ValidateFunction, value: unknown, sink: ErrorSink): void {
  if (!check(value)) for (const e of collapse(check.errors ?? [])) reportSchemaError(sink, e);
}

/** YAML read with integers as BigInt, as a JSON Schema checks it: numbers where they fit a double, else decimal strings. */
export function numbersFromBigInt(v: unknown): unknown {
  if (typeof v === 'bigint')
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(numbersFromBigInt);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = numbersFromBigInt(x);
    return out;
  }
  return v;
}

/**
 * An anyOf failure makes Ajv report why each branch failed, which reads as
 * noise; keep one error per anyOf, worded by the schema's description.
 */
function collapse(errors: ErrorObject[]): ErrorObject[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  return errors.filter((e) => e.keyword === 'anyOf' || !anyOfAt.has(e.instancePath));
}

function reportSchemaError(sink: ErrorSink, e: ErrorObject): void {
  const path: DocPath = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  const description = (e.parentSchema as { description?: string } | undefined)?.description;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      sink.at(
        [...path, key],
        `unknown key "${key}"${allowed.length ? `; allowed here: ${allowed.join(', ')}` : ''}`,
        true,
      );
      return;
    }
    case 'required':
      sink.at(path, `missing required key "${(e.params as { missingProperty: string }).missingProperty}"`);
      return;
    case 'propertyNames': {
      const name = (e.params as { propertyName: string }).propertyName;
      sink.at([...path, name], `"${name}" is not allowed as a key here`, true);
      return;
    }
    case 'pattern':
    case 'anyOf':
    case 'enum':
      if (path.length > 0 && e.propertyName !== undefined) {
        // an error about a key (from propertyNames): reported above
        return;
      }
      sink.at(
        path,
        `${JSON.stringify(e.data)} is not ${description ?? (e.keyword === 'enum' ? `one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}` : 'allowed here')}`,
      );
      return;
    default:
      sink.at(path, `${e.message ?? 'is not valid'}`);
  }
}
