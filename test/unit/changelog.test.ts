import { classifiedChanges, type OpenApiDocument } from '../../scripts/lib/breaking';
import { renderChangelog, renderSection } from '../../scripts/lib/changelog';

const user = { type: 'object', properties: { id: { type: 'string' } } };
const doc = (version: string, edit: (paths: Record<string, unknown>) => void = () => {}): OpenApiDocument => {
  const paths: Record<string, unknown> = {
    '/v1/users/me': {
      get: {
        operationId: 'getMe',
        responses: { '200': { description: 'me', content: { 'application/json': { schema: structuredClone(user) } } } },
      },
    },
  };
  paths['/v1/old'] = { get: { operationId: 'getOld', responses: { '200': { description: 'ok' } } } };
  edit(paths);
  return { openapi: '3.1.0', info: { version }, paths } as OpenApiDocument;
};

describe('renderSection', () => {
  it('groups the spec diff by what it means to a client, one line per operation', () => {
    const base = doc('1.0.0');
    const head = doc('2.0.0', (paths) => {
      const me = paths['/v1/users/me'] as { get: Record<string, unknown> & { responses: Record<string, unknown> } };
      me.get.description = 'The caller.';
      me.get.responses['304'] = { description: 'not modified' };
      delete paths['/v1/old'];
      paths['/v1/things'] = { get: { operationId: 'listThings', responses: { '200': { description: 'ok' } } } };
    });
    const text = renderSection({ title: '2.0.0', base: '1.0.0 (abc1234)', changes: classifiedChanges(base, head) });
    expect(text).toBe(
      [
        '## 2.0.0',
        '',
        'Compared with 1.0.0 (abc1234).',
        '',
        '### Breaking',
        '',
        '- `GET /v1/old`: removed operation',
        '',
        '### Added and changed',
        '',
        '- `GET /v1/things`: added operation',
        '- `GET /v1/users/me`: added response 304',
        '',
        '### Documentation',
        '',
        '- `GET /v1/users/me`: added description: "The caller."',
        '',
      ].join('\n'),
    );
  });

  it('says so when only the version changed, and marks the first version', () => {
    const changes = classifiedChanges(doc('1.0.0'), doc('1.0.1'));
    expect(renderSection({ title: '1.0.1', base: '1.0.0 (abc1234)', changes })).toContain('No change to the API.');
    expect(renderSection({ title: '0.1.0', base: null, changes: [] })).toBe('## 0.1.0\n\nThe first version.\n');
  });
});

test('renderChangelog: a header, then the sections in the order given', () => {
  const text = renderChangelog([
    { title: 'Unreleased', base: '0.2.0 (bbbbbbb)', changes: [] },
    { title: '0.1.0', base: null, changes: [] },
  ]);
  expect(text.indexOf('# Changelog')).toBe(0);
  expect(text.indexOf('## Unreleased')).toBeLessThan(text.indexOf('## 0.1.0'));
});
