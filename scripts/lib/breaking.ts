/**
 * The breaking-change gate's core: which changes between two bundled OpenAPI
 * documents break existing clients, and whether the version allows them.
 *
 * api-smart-diff compares the documents (resolving `$ref`s) and classifies
 * each change by whether it sits in a request or a response. A few of its
 * verdicts are too lenient for a contract with a generated SDK, so they are
 * made stricter here (see `classify`). It documents OpenAPI 3.0; what 3.1
 * adds that we use (type arrays, `const`) is covered by
 * test/unit/breaking-change.test.ts.
 */
import { apiCompare, type Diff } from 'api-smart-diff';
import { describeChange, METHODS, type Change } from './describe-change';

export type { Change };

export interface OpenApiDocument {
  info?: { version?: string };
  paths?: Record<string, Record<string, unknown> | undefined>;
  [key: string]: unknown;
}

export interface Verdict {
  breaking: Change[];
  /** Changes neither api-smart-diff nor `classify` can classify: they fail the gate like breaking ones. */
  unclassified: Change[];
  baseVersion: string;
  headVersion: string;
  /** The major part of info.version went up, which allows breaking changes. */
  majorBumped: boolean;
  ok: boolean;
}

/** Compares two bundled documents: the breaking changes, and whether they may land. */
export function checkContract(base: OpenApiDocument, head: OpenApiDocument): Verdict {
  const baseVersion = String(base.info?.version ?? '');
  const headVersion = String(head.info?.version ?? '');
  const [from, to] = [major(baseVersion), major(headVersion)];
  const majorBumped = from !== undefined && to !== undefined && to > from;
  const changes = classifiedChanges(base, head);
  const breaking = changes.filter((c) => c.type === 'breaking').map((c) => c.change);
  const unclassified = changes.filter((c) => c.type === 'unclassified').map((c) => c.change);
  // A change the gate cannot classify is not known to be compatible: it holds the change back too.
  const ok = (breaking.length === 0 && unclassified.length === 0) || majorBumped;
  return { breaking, unclassified, baseVersion, headVersion, majorBumped, ok };
}

/** The changes from `base` to `head` that break existing clients. */
export function breakingChanges(base: OpenApiDocument, head: OpenApiDocument): Change[] {
  return checkContract(base, head).breaking;
}

function major(version: string): number | undefined {
  const match = /^v?(\d+)\./.exec(version);
  return match ? Number(match[1]) : undefined;
}

/** Every change from `base` to `head`, with api-smart-diff's verdict made stricter where we need it. */
export function classifiedChanges(base: OpenApiDocument, head: OpenApiDocument) {
  // apiCompare may annotate its inputs; the callers' documents stay as they were.
  const { diffs } = apiCompare(structuredClone(base), structuredClone(head));
  return (
    diffs
      // Schemas, responses and parameters under `components` matter where the
      // operations use them, and api-smart-diff reports them there, in their
      // request or response context. Security schemes are not used that way.
      .filter(({ path }) => path[0] !== 'components' || path[1] === 'securitySchemes')
      .map((diff) => ({ type: classify(diff, head), change: describeChange(diff, base, head) }))
  );
}

/** api-smart-diff's verdict, made stricter where it is too lenient for us. */
function classify(diff: Diff, head: OpenApiDocument): Diff['type'] {
  const { path, action, before, after } = diff;
  const last = path[path.length - 1];
  const inOperation = path[0] === 'paths' && METHODS.has(String(path[2]));
  // The operationId names the SDK method and the handler: renaming it breaks callers.
  if (inOperation && path.length === 4 && last === 'operationId' && action !== 'add') return 'breaking';
  // More permissions needed means some callers are now refused.
  if (inOperation && path[3] === 'x-permissions' && action !== 'remove') return 'breaking';
  // A request body that must now be sent (api-smart-diff calls any added body non-breaking).
  if (inOperation && path.length === 4 && last === 'requestBody' && action === 'add') {
    return (after as { required?: boolean } | undefined)?.required ? 'breaking' : diff.type;
  }
  // An example (a header's, which api-smart-diff leaves unclassified) is documentation.
  if (diff.type === 'unclassified' && (last === 'example' || path.includes('examples'))) return 'annotation';
  // The schema keyword that changed; not a property that happens to be named `type`.
  const keyword = path[path.length - 2] === 'properties' ? undefined : last;
  const inResponse = inOperation && path[3] === 'responses';
  const inRequest = inOperation && (path[3] === 'requestBody' || path[3] === 'parameters');
  // The contract's two rules for readers (the spec's description, README): response objects are
  // open and an enumerated response value may be one the client does not know. So neither a
  // response's `additionalProperties` nor an enum value added to a response breaks anyone.
  if (inResponse && (keyword === 'additionalProperties' || keyword === 'unevaluatedProperties')) return 'non-breaking';
  if (inResponse && keywordAt(path, 'enum') !== undefined && action === 'add' && namedSchemaAt(head, path)) {
    return 'non-breaking';
  }
  // Request bodies are closed: refusing members that were accepted breaks senders (api-smart-diff
  // calls an added `additionalProperties: false` harmless); accepting more does not.
  if (inRequest && (keyword === 'additionalProperties' || keyword === 'unevaluatedProperties')) {
    return after === false && action !== 'remove' ? 'breaking' : 'non-breaking';
  }
  // `dependentRequired` (api-smart-diff does not know it): a member that must now come with
  // another breaks senders; one that no longer must does not; in a response it says nothing to a reader.
  const dependent = keywordAt(path, 'dependentRequired');
  if (dependent !== undefined) {
    if (!inRequest) return 'annotation';
    const grew = action === 'add' || (action === 'replace' && !lessOrEqual(after, before));
    return grew ? 'breaking' : 'non-breaking';
  }
  // Extensions other than x-permissions (above) and `$comment` are for tools and people, not clients.
  const forTools = (p: unknown) => (String(p).startsWith('x-') && p !== 'x-permissions') || p === '$comment';
  if (diff.type === 'unclassified' && path.some(forTools)) return 'annotation';
  if (inOperation && action === 'replace') {
    // A different constant value breaks both senders and readers.
    if (keyword === 'const') return 'breaking';
    // api-smart-diff calls any replaced type in a response non-breaking. It
    // breaks readers unless the new types are among the old (a narrowing),
    // and senders unless the old are among the new.
    if (keyword === 'type') {
      const [older, newer] = [types(before), types(after)];
      const narrowed = newer.every((t) => older.includes(t));
      const widened = older.every((t) => newer.includes(t));
      return (path[3] === 'responses' ? narrowed : widened) ? 'non-breaking' : 'breaking';
    }
  }
  return diff.type;
}

/**
 * Whether the schema that holds the keyword at the end of `path` is one of `components/schemas`,
 * reached through a `$ref` (a named enumeration may grow; an inline one may not).
 */
function namedSchemaAt(doc: OpenApiDocument, path: Diff['path']): boolean {
  const follow = (node: unknown): [unknown, boolean] => {
    const ref = (node as { $ref?: unknown } | undefined)?.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/components/schemas/')) return [node, false];
    const target = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], doc);
    return [follow(target)[0], true];
  };
  let [node, named] = [doc as unknown, false];
  for (const key of path.slice(0, keywordAt(path, 'enum'))) {
    [node, named] = follow((node as Record<string | number, unknown> | undefined)?.[key]);
  }
  return named;
}

/** The index of `keyword` in a schema path, not counting a property of that name; undefined if absent. */
function keywordAt(path: Diff['path'], keyword: string): number | undefined {
  const at = path.findIndex((p, i) => p === keyword && path[i - 1] !== 'properties');
  return at < 0 ? undefined : at;
}

/** Every name listed in `newer` was listed in `older` (a `dependentRequired` list that did not grow). */
const lessOrEqual = (newer: unknown, older: unknown): boolean =>
  Array.isArray(newer) && Array.isArray(older) && newer.every((n) => older.includes(n));

const types = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value)]);
