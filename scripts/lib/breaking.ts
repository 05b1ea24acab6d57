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
  /** Changes api-smart-diff could not classify, e.g. in an `x-` extension we do not know. */
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
  return { breaking, unclassified, baseVersion, headVersion, majorBumped, ok: breaking.length === 0 || majorBumped };
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
      .map((diff) => ({ type: classify(diff), change: describeChange(diff, base, head) }))
  );
}

/** api-smart-diff's verdict, made stricter where it is too lenient for us. */
function classify(diff: Diff): Diff['type'] {
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

const types = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value)]);
