/**
 * Hostile, invalid inputs for the contract's calls, derived from each call's own schema: a
 * valid-looking base is built from the schema's JSON Schema, optionally decorated with hostile
 * values (which may still be valid), then broken by one or more invalidating mutations (wrong
 * type, unknown key, missing key, too long, out of range, ...). The caller checks every payload
 * with the schema's safeParse before sending it, exactly as the server will see it.
 */
import { z } from 'zod';
import type { Rng } from './random';

/** JSON text inserted verbatim (numbers JSON can spell but JavaScript cannot: 1e309, -0, deep nesting). */
export class Raw {
  constructor(readonly text: string) {}
}

export type Value = null | boolean | number | string | Raw | Value[] | { [key: string]: Value };

/** The subset of JSON Schema that z.toJSONSchema produces for the contract's inputs. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: false | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  format?: string;
  pattern?: string;
}

export function jsonSchemaOf(input: z.ZodType): Schema {
  try {
    return z.toJSONSchema(input, { io: 'input', unrepresentable: 'any' }) as Schema;
  } catch {
    // A schema JSON Schema cannot express: no base to start from, the input-shape mutations still apply.
    return {};
  }
}

// ---- hostile material ----------------------------------------------------------------------

export const POLLUTION_MARKER = 'fuzz-polluted-7f3a';

export const SQL_FRAGMENTS = [
  "'; DROP TABLE patients;--",
  "' OR '1'='1",
  '" OR ""="',
  '1; DELETE FROM audit_log',
  "Robert'); DROP TABLE clerks;--",
  "%' --",
  "x'; ATTACH DATABASE '/tmp/fuzz.sqlite' AS pwn;--",
  "'; UPDATE pins SET status='revoked';--",
  '1 UNION SELECT pin_hash FROM pins--',
  "'); PRAGMA writable_schema=1;--",
];

export const UNICODE_ODDITIES = [
  '\uD800', // lone high surrogate
  '\uDC00', // lone low surrogate
  'Ana\uD83D', // an emoji cut in half
  '\u202Egnp.exe', // right-to-left override
  '\u202BLopez\u202C',
  'a\u0000b', // NUL
  '\u0000',
  'e\u0301\u0301\u0301\u0301', // stacked combining marks
  'Z\u0351\u0352\u0357\u035B\u0346\u034A\u0310\u0352\u0309\u030A\u0300\u0301',
  '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}', // family emoji (ZWJ sequence)
  '\u{1F3F3}\uFE0F\u200D\u{1F308}',
  '\uFEFFAna', // BOM
  '\u200B', // zero-width space
  '\u00A0\u2028\u2029', // NBSP, line and paragraph separators
  'İıß\uFB03', // case-mapping oddities
  '\u{10FFFF}\uFFFF\uFFFE', // noncharacters
  '＇ OR 1=1 --', // full-width quote
  '\u0661\u0662\u0663', // Arabic-Indic digits
];

export const OTHER_HOSTILE = [
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  'CON.eml',
  '.eml',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the Log4Shell probe, sent as literal text
  '${jndi:ldap://127.0.0.1/x}',
  '{{7*7}}',
  'maria@example.com\r\nBcc: everyone@example.com',
  '\r\n.\r\nQUIT\r\n',
  '%00%0d%0a',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'NaN',
  'Infinity',
  'null',
  '-1',
  ' ',
  '',
];

export const HOSTILE_STRINGS = [...SQL_FRAGMENTS, ...UNICODE_ODDITIES, ...OTHER_HOSTILE];

export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  'hasOwnProperty',
  'toString',
  "'; DROP TABLE patients;--",
  '',
  '\u0000',
  '\uD800',
  '\u202Ekey',
  'a'.repeat(300),
];

/** Numbers out of every range the contract uses, some only spellable as raw JSON. */
const RAW_NUMBERS = ['1e309', '-1e309', '1e-400', '-0', '123456789012345678901234567890', '9007199254740993', '0.1e1000'];

// ---- building values -----------------------------------------------------------------------

/** Sets an own property, even "__proto__" (an assignment would change the prototype instead). */
export function setOwn(target: { [key: string]: Value }, key: string, value: Value): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function object(entries: [string, Value][]): { [key: string]: Value } {
  const result: { [key: string]: Value } = {};
  for (const [key, value] of entries) setOwn(result, key, value);
  return result;
}

/** JSON text of a value; Raw is inserted as is. Keys are written in insertion order, "__proto__" included. */
export function toJson(value: Value | undefined): string {
  if (value === undefined) return 'null';
  if (value instanceof Raw) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => toJson(item)).join(',')}]`;
  return `{${Object.keys(value)
    .map((key) => `${JSON.stringify(key)}:${toJson(value[key])}`)
    .join(',')}}`;
}

function uuidFrom(rng: Rng): string {
  const hex = () => rng.int(0, 15).toString(16);
  const run = (n: number) => Array.from({ length: n }, hex).join('');
  return `${run(8)}-${run(4)}-4${run(3)}-${rng.pick(['8', '9', 'a', 'b'])}${run(3)}-${run(12)}`;
}

function nonNullBranch(schema: Schema): Schema {
  if (!schema.anyOf) return schema;
  return schema.anyOf.find((branch) => branch.type !== 'null') ?? schema.anyOf[0]!;
}

function typeOf(schema: Schema): string | undefined {
  const s = nonNullBranch(schema);
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.type) return s.type;
  if (s.enum) return typeof s.enum[0];
  if (s.const !== undefined) return typeof s.const;
  return undefined;
}

/** A value the schema accepts (as far as JSON Schema can say: refinements are not represented). */
export function sampleValid(schema: Schema, rng: Rng): Value {
  const s = nonNullBranch(schema);
  if (s.const !== undefined) return s.const as Value;
  if (s.enum) return rng.pick(s.enum) as Value;
  switch (typeOf(s)) {
    case 'string': {
      if (s.format === 'uuid') return uuidFrom(rng);
      if (s.format === 'email') return 'parent@example.com';
      if (s.format === 'uri') return 'https://portal.example.org';
      if (s.pattern) {
        const pattern = new RegExp(s.pattern);
        return ['message.eml', 'a', 'A1'].find((c) => pattern.test(c)) ?? 'a';
      }
      const text = rng.pick(['Ana', 'Lopez', 'f-0001', 'Maple Grove Pediatrics', 'x']);
      const min = s.minLength ?? 0;
      const max = s.maxLength ?? 1000;
      return text.padEnd(min, 'a').slice(0, Math.max(min, Math.min(max, text.length)));
    }
    case 'integer':
    case 'number': {
      const min = s.minimum ?? 0;
      const max = s.maximum ?? min + 100;
      return Math.min(max, Math.max(min, 1));
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const count = Math.max(1, s.minItems ?? 0);
      return Array.from({ length: count }, () => sampleValid(s.items ?? {}, rng));
    }
    case 'object': {
      const result: { [key: string]: Value } = {};
      for (const [key, prop] of Object.entries(s.properties ?? {})) {
        if ((s.required ?? []).includes(key) || rng.chance(0.5)) setOwn(result, key, sampleValid(prop, rng));
      }
      if (s.additionalProperties && typeof s.additionalProperties === 'object' && rng.chance(0.5)) {
        setOwn(result, `k-${rng.int(1, 99)}`, sampleValid(s.additionalProperties, rng));
      }
      return result;
    }
    default:
      return 'x';
  }
}

// ---- slots: where a mutation can land -------------------------------------------------------

type Path = (string | number)[];
interface Slot {
  path: Path;
  schema: Schema;
}

function slotsOf(value: Value, schema: Schema, path: Path = [], out: Slot[] = []): Slot[] {
  out.push({ path, schema });
  const s = nonNullBranch(schema);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) slotsOf(item, s.items ?? {}, [...path, i], out);
  } else if (value !== null && typeof value === 'object' && !(value instanceof Raw)) {
    for (const key of Object.keys(value)) {
      const prop = s.properties?.[key] ?? (typeof s.additionalProperties === 'object' ? s.additionalProperties : {});
      slotsOf(value[key]!, prop, [...path, key], out);
    }
  }
  return out;
}

function setAt(root: { input: Value | undefined }, path: Path, value: Value | undefined): void {
  if (path.length === 0) {
    root.input = value;
    return;
  }
  let node = root.input as Value;
  for (const step of path.slice(0, -1)) node = (node as Record<string | number, Value>)[step]!;
  const last = path[path.length - 1]!;
  if (Array.isArray(node)) {
    if (value === undefined) node.splice(last as number, 1);
    else node[last as number] = value;
  } else {
    const target = node as { [key: string]: Value };
    if (value === undefined) delete target[last as string];
    else setOwn(target, last as string, value);
  }
}

function getAt(root: { input: Value | undefined }, path: Path): Value | undefined {
  let node = root.input;
  for (const step of path) node = (node as Record<string | number, Value>)[step];
  return node;
}

// ---- hostile values --------------------------------------------------------------------------

function deepNesting(rng: Rng): Raw {
  const depth = rng.pick([64, 1_000, 10_000, 100_000]);
  return rng.chance(0.5) ? new Raw('['.repeat(depth) + ']'.repeat(depth)) : new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
}

function pollutionObject(rng: Rng): { [key: string]: Value } {
  const marker = { polluted: POLLUTION_MARKER, isAdmin: true, role: 'admin' } as { [key: string]: Value };
  switch (rng.int(0, 3)) {
    case 0:
      return object([['__proto__', marker]]);
    case 1:
      return object([['constructor', object([['prototype', marker]])]]);
    case 2:
      return object([['prototype', marker]]);
    default:
      return object([['a', object([['__proto__', object([['__proto__', marker]])]])]]);
  }
}

export function hostileString(rng: Rng): string {
  const base = rng.pick(HOSTILE_STRINGS);
  return rng.chance(0.2) ? `${rng.pick(UNICODE_ODDITIES)}${base}${rng.pick(SQL_FRAGMENTS)}` : base;
}

/** Any JSON value, hostile where it can be. */
function hostileValue(rng: Rng): Value {
  switch (rng.int(0, 9)) {
    case 0:
      return hostileString(rng);
    case 1:
      return rng.pick([-1, 0, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 53) - 2, 1e308, -1e308, 5e-324]);
    case 2:
      return new Raw(rng.pick(RAW_NUMBERS));
    case 3:
      return rng.chance(0.5);
    case 4:
      return null;
    case 5:
      return rng.chance(0.5) ? [] : [hostileString(rng), null, 0];
    case 6:
      return pollutionObject(rng);
    case 7:
      return rng.chance(0.1) ? deepNesting(rng) : [[[[[{}]]]]];
    case 8:
      return object([[rng.pick(HOSTILE_KEYS), hostileString(rng)]]);
    default:
      return {};
  }
}

function jsonTypeOf(value: Value): string {
  if (value instanceof Raw) return 'number';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A value whose JSON type the slot does not allow. */
function wrongTypeFor(schema: Schema, rng: Rng): Value {
  const allowed = new Set<string>();
  const collect = (s: Schema) => {
    if (s.anyOf) s.anyOf.forEach(collect);
    const t = typeOf(s);
    if (t) allowed.add(t === 'integer' ? 'number' : t);
    if (Array.isArray(s.type)) for (const x of s.type) allowed.add(x === 'integer' ? 'number' : x);
    else if (s.type === 'null') allowed.add('null');
  };
  collect(schema);
  for (let attempt = 0; attempt < 20; attempt++) {
    const value = hostileValue(rng);
    if (!allowed.has(jsonTypeOf(value))) return value;
  }
  return allowed.has('object') ? 'not an object' : pollutionObject(rng);
}

/** A string longer than `max`, made of hostile pieces; sometimes a whole megabyte. */
function tooLong(max: number, rng: Rng): string {
  const target = rng.chance(0.04) ? 1_048_577 : max + 1 + rng.int(0, 64);
  const piece = rng.pick([...UNICODE_ODDITIES, ...SQL_FRAGMENTS, 'a']);
  const text = piece.repeat(Math.ceil(target / Math.max(1, piece.length)));
  return text.length > max ? text : text + 'a'.repeat(max + 1 - text.length);
}

// ---- mutations -----------------------------------------------------------------------------

type Mutation = (root: { input: Value | undefined }, slots: Slot[], rng: Rng) => string | null;

const isObjectSlot = (root: { input: Value | undefined }, slot: Slot) => {
  const v = getAt(root, slot.path);
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Raw);
};

/** Mutations that make a payload invalid (each may not apply to a given call). */
const INVALIDATORS: Record<string, Mutation> = {
  'wrong-type'(root, slots, rng) {
    const slot = rng.pick(slots);
    setAt(root, slot.path, wrongTypeFor(slot.schema, rng));
    return `wrong-type@${slot.path.length}`;
  },
  'unknown-key'(root, slots, rng) {
    const strict = slots.filter((s) => isObjectSlot(root, s) && nonNullBranch(s.schema).additionalProperties === false);
    if (strict.length === 0) return null;
    const slot = rng.pick(strict);
    const key = rng.pick(HOSTILE_KEYS);
    const value = key === '__proto__' || rng.chance(0.3) ? pollutionObject(rng) : hostileValue(rng);
    setOwn(getAt(root, slot.path) as { [key: string]: Value }, key, value);
    return `unknown-key:${key.slice(0, 16)}`;
  },
  'missing-key'(root, slots, rng) {
    const withRequired = slots.filter((s) => isObjectSlot(root, s) && (nonNullBranch(s.schema).required ?? []).length > 0);
    if (withRequired.length === 0) return null;
    const slot = rng.pick(withRequired);
    const key = rng.pick(nonNullBranch(slot.schema).required!);
    setAt(root, [...slot.path, key], undefined);
    return 'missing-key';
  },
  'too-long'(root, slots, rng) {
    const strings = slots.filter((s) => typeOf(s.schema) === 'string' && (nonNullBranch(s.schema).maxLength ?? Infinity) < 1_048_576);
    if (strings.length === 0) return null;
    const slot = rng.pick(strings);
    setAt(root, slot.path, tooLong(nonNullBranch(slot.schema).maxLength!, rng));
    return 'too-long';
  },
  'too-short'(root, slots, rng) {
    const short = slots.filter((s) => {
      const n = nonNullBranch(s.schema);
      return (typeOf(s.schema) === 'string' && (n.minLength ?? 0) > 0) || (typeOf(s.schema) === 'array' && (n.minItems ?? 0) > 0);
    });
    if (short.length === 0) return null;
    const slot = rng.pick(short);
    setAt(root, slot.path, typeOf(slot.schema) === 'array' ? [] : '');
    return 'too-short';
  },
  'too-many'(root, slots, rng) {
    const arrays = slots.filter((s) => typeOf(s.schema) === 'array' && nonNullBranch(s.schema).maxItems !== undefined);
    if (arrays.length === 0) return null;
    const slot = rng.pick(arrays);
    const n = nonNullBranch(slot.schema);
    setAt(
      root,
      slot.path,
      Array.from({ length: n.maxItems! + 1 }, () => sampleValid(n.items ?? {}, rng)),
    );
    return 'too-many';
  },
  'out-of-range'(root, slots, rng) {
    const numbers = slots.filter((s) => ['integer', 'number'].includes(typeOf(s.schema) ?? ''));
    if (numbers.length === 0) return null;
    const slot = rng.pick(numbers);
    const n = nonNullBranch(slot.schema);
    const options: Value[] = [new Raw(rng.pick(RAW_NUMBERS)), rng.pick(['1', '', 'NaN'])];
    if (n.minimum !== undefined) options.push(n.minimum - 1, n.minimum - 0.5);
    if (n.maximum !== undefined) options.push(n.maximum + 1, n.maximum * 2 + 1);
    if (typeOf(slot.schema) === 'integer') options.push(1.5, (n.minimum ?? 0) + 0.000001);
    setAt(root, slot.path, rng.pick(options));
    return 'out-of-range';
  },
  'not-in-set'(root, slots, rng) {
    const constrained = slots.filter((s) => {
      const n = nonNullBranch(s.schema);
      return typeOf(s.schema) === 'string' && (n.enum || n.format || n.pattern || n.const !== undefined);
    });
    if (constrained.length === 0) return null;
    const slot = rng.pick(constrained);
    setAt(root, slot.path, hostileString(rng));
    return 'not-in-set';
  },
  'bad-record-key'(root, slots, rng) {
    const records = slots.filter((s) => isObjectSlot(root, s) && nonNullBranch(s.schema).propertyNames);
    if (records.length === 0) return null;
    const slot = rng.pick(records);
    const value = sampleValid(nonNullBranch(slot.schema).additionalProperties || {}, rng);
    setOwn(getAt(root, slot.path) as { [key: string]: Value }, rng.pick(['', 'k'.repeat(65), '\uD800'.repeat(65)]), value);
    return 'bad-record-key';
  },
  'array-for-object'(root, slots, rng) {
    const objects = slots.filter((s) => isObjectSlot(root, s));
    if (objects.length === 0) return null;
    const slot = rng.pick(objects);
    const current = getAt(root, slot.path)!;
    setAt(root, slot.path, rng.chance(0.5) ? [] : [current]);
    return `array-for-object@${slot.path.length}`;
  },
  'input-shape'(root, _slots, rng) {
    const shapes: (Value | undefined)[] = [undefined, null, [], [root.input ?? null], 'input', 0, -1, true, '{}', deepNesting(rng), new Raw('1e309')];
    const choice = rng.int(0, shapes.length - 1);
    root.input = shapes[choice];
    return `input-shape:${choice}`;
  },
};

const INVALIDATOR_NAMES = Object.keys(INVALIDATORS);

/** Hostile but possibly valid changes, applied before the invalidators. */
function decorate(root: { input: Value | undefined }, slots: Slot[], rng: Rng): void {
  const free = slots.filter((s) => {
    const n = nonNullBranch(s.schema);
    return typeOf(s.schema) === 'string' && !n.enum && !n.format && !n.pattern;
  });
  const times = rng.int(0, 3);
  for (let i = 0; i < times && free.length > 0; i++) {
    const slot = rng.pick(free);
    const max = nonNullBranch(slot.schema).maxLength ?? 200;
    setAt(root, slot.path, hostileString(rng).slice(0, max));
  }
}

export interface PayloadCase {
  call: string;
  /** What was done, for the failure report (never the payload). */
  kind: string;
  /** The request body as the server will receive it. */
  body: string;
}

/**
 * One invalid request body for `call`, or null when `isInvalid` never confirmed one (counted as
 * skipped by the caller). `isInvalid` receives the input exactly as the server will parse it.
 */
export function invalidPayload(call: string, schema: Schema, rng: Rng, isInvalid: (input: unknown) => boolean): PayloadCase | null {
  const root: { input: Value | undefined } = { input: sampleValid(schema, rng) };
  if (rng.chance(0.5)) decorate(root, slotsOf(root.input!, schema), rng);
  const kinds: string[] = [];
  for (let round = 0; round < 6; round++) {
    const slots = root.input === undefined ? [] : slotsOf(root.input, schema);
    // Invalidators in a random order until one applies to this payload (input-shape always does).
    const order = INVALIDATOR_NAMES.map((name) => ({ name, key: rng.next() })).sort((x, y) => x.key - y.key);
    let done: string | null = null;
    for (const { name } of order) {
      done = INVALIDATORS[name]!(root, slots.length === 0 ? [{ path: [], schema }] : slots, rng);
      if (done !== null) break;
    }
    kinds.push(done!);
    const body = envelope(call, root.input, rng);
    let parsed: { input?: unknown };
    try {
      parsed = JSON.parse(body) as { input?: unknown };
    } catch {
      // Deep nesting JSON.parse refuses: still a request the server must answer with a clear 4xx.
      return { call, kind: `${kinds.join('+')}(unparseable)`, body };
    }
    if (isInvalid(parsed.input)) return { call, kind: kinds.join('+'), body };
  }
  return null;
}

/** The bridge's envelope, sometimes with hostile extras of its own (ignored keys, a duplicate "input"). */
function envelope(call: string, input: Value | undefined, rng: Rng): string {
  const inputText = input === undefined ? null : toJson(input);
  const parts = [`"name":${JSON.stringify(call)}`];
  const roll = rng.int(0, 9);
  // Duplicate keys: JSON.parse keeps the last one, so the invalid input must come last.
  if (roll === 0 && inputText !== null) parts.push(`"input":{}`);
  if (inputText !== null) parts.push(`"input":${inputText}`);
  if (roll === 1) parts.push(`"__proto__":${toJson(pollutionObject(rng))}`);
  if (roll === 2) parts.push(`"constructor":{"prototype":{"polluted":${JSON.stringify(POLLUTION_MARKER)}}}`);
  return `{${parts.join(',')}}`;
}
