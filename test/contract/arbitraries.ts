/**
 * fast-check arbitraries from the spec's JSON Schemas: values that are valid
 * by the schema, and values broken on purpose. Covers what the spec uses:
 * $ref, allOf, const, enum, type (and type lists), string length, pattern and
 * format (email, uuid, date-time), integer range, object properties /
 * required / additionalProperties, array items / bounds / uniqueItems.
 */
import fc, { type Arbitrary } from 'fast-check';
import spec from '../../generated/openapi.json';

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
}

/** Resolves $ref and merges allOf into one schema. */
export function deref(schema: Schema): Schema {
  if (schema.$ref) {
    const target = schema.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], spec);
    return deref(target as Schema);
  }
  if (schema.allOf) {
    const parts = schema.allOf.map(deref);
    return parts.reduce<Schema>(
      (merged, part) => ({
        ...merged,
        ...part,
        properties: { ...merged.properties, ...part.properties },
        required: [...(merged.required ?? []), ...(part.required ?? [])],
      }),
      {},
    );
  }
  return schema;
}

const types = (s: Schema) => (Array.isArray(s.type) ? s.type : s.type ? [s.type] : []);

/** Characters that have broken text handling somewhere: drawn often, not left to chance. */
const TROUBLE = fc.constantFrom(
  '\u0000',
  '\u001b',
  '\u007f',
  '\u202e',
  '\ufeff',
  '\n',
  '😀',
  'é',
  "'",
  '"',
  '\\',
  '%',
  '_',
  ' ',
);

function stringArb(s: Schema): Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 64;
  const fits = (v: string) => [...v].length >= min && [...v].length <= max;
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'email')
    return fc.emailAddress().filter((e) => e.length <= max && /^[^@]+@[^@]+\.[A-Za-z]{2,}$/.test(e));
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits);
  // Any code point, NUL and other control characters included: free text must survive them all.
  const length = { minLength: min, maxLength: Math.min(max, min + 40) };
  return fc
    .oneof(
      fc.string({ unit: 'grapheme', ...length }),
      fc.string({ unit: 'binary', ...length }),
      fc.string({ unit: TROUBLE, ...length }),
    )
    .filter(fits);
}

/** Values valid by the schema. */
export function valid(schema: Schema): Arbitrary<unknown> {
  const s = deref(schema);
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const options = types(s).map((type): Arbitrary<unknown> => {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6 });
      case 'number':
        return fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true });
      case 'string':
        return stringArb(s);
      case 'array': {
        const items = valid(s.items ?? {});
        const bounds = { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, (s.minItems ?? 0) + 5) };
        return s.uniqueItems ? fc.uniqueArray(items, bounds) : fc.array(items, bounds);
      }
      case 'object':
        return objectArb(s);
      default:
        throw new Error(`no arbitrary for type ${type}`);
    }
  });
  if (options.length === 0) return fc.jsonValue();
  return options.length === 1 ? options[0]! : fc.oneof(...options);
}

function objectArb(s: Schema): Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, valid(v)]));
  return fc.record(properties, { requiredKeys: s.required ?? [] }) as Arbitrary<Record<string, unknown>>;
}

/** A value of a JSON type the schema does not allow. */
export function wrongType(schema: Schema): Arbitrary<unknown> {
  const allowed = new Set(types(deref(schema)));
  if (allowed.has('integer')) allowed.add('number');
  const byType: Record<string, Arbitrary<unknown>> = {
    string: fc.string({ minLength: 1, maxLength: 8 }),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.integer(), { maxLength: 3 }),
    object: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
  };
  const wrong = Object.entries(byType)
    .filter(([type]) => !allowed.has(type))
    .map(([, arb]) => arb);
  return fc.oneof(...wrong);
}

/** Strings no constrained field should take: control characters, 10 kB, odd unicode. */
export const oddString: Arbitrary<string> = fc.oneof(
  fc.constant('\u0000'),
  fc.string({ minLength: 1, maxLength: 8 }).map((v) => `${v}\u0000${v}`),
  fc.constant('x'.repeat(10_240)),
  fc.constant('😀'.repeat(300)),
  fc.constant('\u202e\u0007\u001b[31m'),
  fc.constant('../../../etc/passwd\n'),
);
