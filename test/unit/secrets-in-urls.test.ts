import { apiSpec } from '../../src/api/spec';

/**
 * ASVS 3.1.1: no token, password or other secret travels in a URL (where
 * proxies, access logs and browser history keep it). Secrets go in the
 * Authorization header or a JSON body; this holds for every operation the spec
 * has now and any a designer adds.
 */
const SECRET_NAME = /token|password|secret|key|code/i;

interface Parameter {
  name: string;
  in: string;
}

const spec = apiSpec as {
  paths: Record<string, Record<string, { operationId: string; parameters?: Parameter[] } | Parameter[]>>;
  components: { securitySchemes: Record<string, { type: string; scheme?: string; in?: string }> };
};

describe('secrets never in URLs', () => {
  it('no query or cookie parameter, of an operation or of a path, is named like a secret', () => {
    const offenders = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) =>
        (Array.isArray(op) ? op : (op.parameters ?? []))
          .filter((p) => p.in === 'query' || p.in === 'cookie')
          .filter((p) => SECRET_NAME.test(p.name))
          .map((p) => `${method} ${path} ${p.in}:${p.name}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('the only security scheme is a bearer token in the Authorization header', () => {
    expect(Object.values(spec.components.securitySchemes)).toEqual([
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    ]);
  });
});
