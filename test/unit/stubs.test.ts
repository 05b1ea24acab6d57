import type { Op } from '../../scripts/lib/bindings';
import { addMethods } from '../../scripts/lib/stubs';

const op = (id: string) => ({ id, tag: 'things' }) as Op;

const routes = [
  "import { injectable } from 'tsyringe';",
  "import type { ThingsHandlers } from '../../../generated/operations';",
  '',
  '@injectable()',
  'export class ThingsRoutes implements ThingsHandlers<Ctx> {',
  '  async getThing() {',
  '    return   { status: 200 } as const; // odd spacing, kept as it is',
  '  }',
  '}',
  '',
].join('\n');

describe('addMethods', () => {
  it('inserts only the missing stubs and imports, leaving every other byte where it was', () => {
    const { text, added } = addMethods('things.routes.ts', routes, 'things', [op('getThing'), op('makeThing')]);
    expect(added).toEqual(['makeThing']);
    const stub = [
      '',
      '  // gatehouse:stub makeThing: fill in the body and delete this line; `make check` fails while it is here.',
      "  async makeThing(_input: Inputs['makeThing']): Promise<Results['makeThing']> {",
      "    throw new NotImplementedError('makeThing');",
      '  }',
    ];
    // The original, with the imports completed and the stub before the class's closing brace.
    const expected = routes
      .replace('{ ThingsHandlers }', '{ ThingsHandlers, Inputs, Results }')
      .replace("operations';\n", "operations';\nimport { NotImplementedError } from '../../core/errors';\n")
      .replace(/ {2}}\n}\n$/, ['  }', ...stub, '}', ''].join('\n'));
    expect(text).toBe(expected);
  });

  it('changes nothing when every operation has a method, stub or not', () => {
    const once = addMethods('things.routes.ts', routes, 'things', [op('makeThing')]).text;
    expect(addMethods('things.routes.ts', once, 'things', [op('getThing'), op('makeThing')])).toEqual({
      text: once,
      added: [],
    });
  });

  it('adds a type import to a value import of the generated module as a type', () => {
    const valueImport = routes.replace('import type { ThingsHandlers }', 'import { type ThingsHandlers }');
    const { text } = addMethods('things.routes.ts', valueImport, 'things', [op('makeThing')]);
    expect(text).toContain(
      "import { type ThingsHandlers, type Inputs, type Results } from '../../../generated/operations';",
    );
  });

  it('refuses a file without the class that implements the tag handlers', () => {
    expect(() => addMethods('things.routes.ts', 'export class Other {}\n', 'things', [op('x')])).toThrow(
      'things.routes.ts: no class implements ThingsHandlers; add the handlers by hand',
    );
  });
});
