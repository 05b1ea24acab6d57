/**
 * Redocly lint rules of ours (see redocly.yaml): what the recommended ruleset
 * cannot express as configurable rules.
 *
 * - operation-5xx-response: every operation documents a server error.
 * - problem-responses: every 4xx/5xx response is `application/problem+json`
 *   only, with the Problem schema: `$ref`-ed, or `allOf`-ed into a schema
 *   that is (like ReadinessProblem), so every error a client sees parses alike.
 */
const PROBLEM = ['components', 'schemas', 'Problem'];
const PROBLEM_JSON = 'application/problem+json';
const ERROR_STATUS = /^[45](\d\d|XX)$/;
const SERVER_ERROR_STATUS = /^5(\d\d|XX)$/;

const locationKey = (location) => `${location.source.absoluteRef}${location.pointer}`;

/**
 * Follows a node's `$ref` chain from the file `from` to the node it ends at:
 * `{ node, location }`, where `location` is undefined for an inline node;
 * undefined when a reference does not resolve or loops.
 */
function target(node, ctx, from) {
  const seen = new Set();
  let current = { node, location: undefined };
  while (current.node && typeof current.node.$ref === 'string') {
    const resolved = ctx.resolve(current.node, current.location?.source.absoluteRef ?? from);
    if (!resolved.location || seen.has(locationKey(resolved.location))) return undefined;
    seen.add(locationKey(resolved.location));
    current = resolved;
  }
  return current;
}

function OperationServerErrorResponse() {
  return {
    Operation(operation, ctx) {
      const codes = Object.keys(operation.responses ?? {});
      if (!codes.some((code) => SERVER_ERROR_STATUS.test(code))) {
        ctx.report({
          message: 'Operation must document a 5xx response (e.g. `500` with the Problem schema).',
          location: ctx.location.child('responses').key(),
        });
      }
    },
  };
}

function ProblemResponses() {
  let problemKey;
  return {
    Root(root, ctx) {
      const schemas = root.components?.schemas ?? {};
      if (!schemas.Problem) return;
      const resolved = target(schemas.Problem, ctx, ctx.location.source.absoluteRef);
      problemKey = resolved?.location ? locationKey(resolved.location) : locationKey(ctx.location.child(PROBLEM));
    },
    Operation(operation, ctx) {
      const from = ctx.location.source.absoluteRef;
      for (const [code, raw] of Object.entries(operation.responses ?? {})) {
        if (!ERROR_STATUS.test(code)) continue;
        const resolved = target(raw, ctx, from);
        const response = resolved?.node;
        const at = resolved?.location ?? ctx.location.child(['responses', code]);
        const where = `${code} response`;
        const content = response?.content ?? {};
        const types = Object.keys(content);
        if (!types.includes(PROBLEM_JSON)) {
          ctx.report({
            message: `${where} must have \`${PROBLEM_JSON}\` content.`,
            location: response?.content ? at.child('content').key() : at.key(),
          });
        }
        for (const type of types.filter((t) => t !== PROBLEM_JSON)) {
          ctx.report({
            message: `${where} must have only \`${PROBLEM_JSON}\` content, not \`${type}\`.`,
            location: at.child(['content', type]).key(),
          });
        }
        const media = content[PROBLEM_JSON];
        if (media && !isProblem(media.schema, ctx, at.source.absoluteRef, problemKey)) {
          ctx.report({
            message: `${where}: the \`${PROBLEM_JSON}\` schema must be #/components/schemas/Problem (a $ref, or an allOf that includes it).`,
            location: at.child(['content', PROBLEM_JSON, 'schema']),
          });
        }
      }
    },
  };
}

function isProblem(schema, ctx, from, problemKey, depth = 0) {
  if (!schema || !problemKey || depth > 10) return false;
  const resolved = target(schema, ctx, from);
  if (!resolved?.node) return false;
  if (resolved.location && locationKey(resolved.location) === problemKey) return true;
  const base = resolved.location?.source.absoluteRef ?? from;
  return (resolved.node.allOf ?? []).some((part) => isProblem(part, ctx, base, problemKey, depth + 1));
}

module.exports = function gatehousePlugin() {
  return {
    id: 'gatehouse',
    rules: {
      oas3: {
        'operation-5xx-response': OperationServerErrorResponse,
        'problem-responses': ProblemResponses,
      },
    },
  };
};
