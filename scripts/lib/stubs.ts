/**
 * Stubs, generated once. For every operation with no handler yet, `make generate` inserts a
 * typed method into its tag's routes class (src/api/routes/<tag>.routes.ts); for a new tag it
 * writes that file and registers the class in src/app.ts. A stub throws NotImplementedError
 * (501 naming the operationId) and carries STUB_MARKER, on which `make check` fails
 * (scripts/check-stubs.ts).
 *
 * Hand-written code is never rewritten: the TypeScript compiler only finds where to insert, the
 * text goes in at those offsets, and a file with nothing missing is not written at all. A file
 * that was prettier-clean is formatted after the insertion (prettier leaves clean code as it is),
 * so a long stub signature is wrapped as `make check` wants it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { pascal, type Op } from './bindings';
import { STUB_MARKER } from './stub-check';

const GENERATED = '../../../generated/operations';
const ERRORS = '../../core/errors';

interface Insertion {
  at: number;
  text: string;
}

export interface StubReport {
  /** operationIds that got a stub, by file written (relative to the project root). */
  written: Record<string, string[]>;
}

/** Inserts a stub for every operation of `ops` that its tag's routes class lacks; see the header. */
export async function writeStubs(root: string, ops: Op[]): Promise<StubReport> {
  const report: StubReport = { written: {} };
  const tags = [...new Set(ops.map((op) => op.tag))].sort();
  for (const tag of tags) {
    const rel = `src/api/routes/${tag}.routes.ts`;
    const file = join(root, rel);
    const tagOps = ops.filter((op) => op.tag === tag);
    const isNew = !existsSync(file);
    const before = isNew ? newRoutesFile(tag) : readFileSync(file, 'utf8');
    const { text, added } = addMethods(rel, before, tag, tagOps);
    if (isNew) await registerTag(root, tag);
    if (added.length === 0) continue;
    await writeFormatted(file, before, text, isNew);
    report.written[rel] = added;
  }
  return report;
}

export const routesClass = (tag: string) => `${pascal(tag)}Routes`;

function newRoutesFile(tag: string): string {
  return [
    "import { injectable } from 'tsyringe';",
    `import type { Inputs, Results, ${pascal(tag)}Handlers } from '${GENERATED}';`,
    `import { NotImplementedError } from '${ERRORS}';`,
    "import type { Principal } from '../../models/domain/session';",
    "import type { RequestCtx } from '../dependencies';",
    '',
    '@injectable()',
    `export class ${routesClass(tag)} implements ${pascal(tag)}Handlers<RequestCtx, Principal> {}`,
    '',
  ].join('\n');
}

function stubMethod(id: string): string {
  return [
    `  // ${STUB_MARKER} ${id}: fill in the body and delete this line; \`make check\` fails while it is here.`,
    `  async ${id}(_input: Inputs['${id}']): Promise<Results['${id}']> {`,
    `    throw new NotImplementedError('${id}');`,
    '  }',
  ].join('\n');
}

/** The routes file's text with a stub for each of `ops` its class lacks (nothing else changes). */
export function addMethods(rel: string, text: string, tag: string, ops: Op[]): { text: string; added: string[] } {
  const source = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
  const handlers = `${pascal(tag)}Handlers`;
  const cls = source.statements.find(
    (s): s is ts.ClassDeclaration =>
      ts.isClassDeclaration(s) &&
      (s.heritageClauses ?? []).some((h) =>
        h.types.some((t) => ts.isIdentifier(t.expression) && t.expression.text === handlers),
      ),
  );
  if (!cls) throw new Error(`${rel}: no class implements ${handlers}; add the handlers by hand`);
  const present = new Set(cls.members.map((m) => (m.name && ts.isIdentifier(m.name) ? m.name.text : '')));
  const added = ops.map((op) => op.id).filter((id) => !present.has(id));
  if (added.length === 0) return { text, added };

  const last = cls.members[cls.members.length - 1];
  const methods = added.map(stubMethod).join('\n\n');
  const body = last ? { at: last.getEnd(), text: `\n\n${methods}` } : { at: cls.members.end, text: `\n${methods}\n` };
  const insertions = [
    body,
    ...ensureImport(source, GENERATED, ['Inputs', 'Results'], true),
    ...ensureImport(source, ERRORS, ['NotImplementedError'], false),
  ];
  return { text: apply(text, insertions), added };
}

/** Adds `names` to the import from `module`, or a new import after the last one. */
function ensureImport(source: ts.SourceFile, module: string, names: string[], types: boolean): Insertion[] {
  const imports = source.statements.filter(ts.isImportDeclaration);
  const from = imports.find(
    (i) =>
      ts.isStringLiteral(i.moduleSpecifier) &&
      i.moduleSpecifier.text === module &&
      i.importClause?.namedBindings &&
      ts.isNamedImports(i.importClause.namedBindings) &&
      (types || !i.importClause.isTypeOnly),
  );
  const named = from?.importClause?.namedBindings as ts.NamedImports | undefined;
  const have = new Set(named?.elements.map((e) => e.name.text) ?? []);
  const missing = names.filter((n) => !have.has(n));
  if (missing.length === 0) return [];
  if (named && named.elements.length > 0) {
    const prefix = types && !from?.importClause?.isTypeOnly ? 'type ' : '';
    return [{ at: named.elements.end, text: missing.map((n) => `, ${prefix}${n}`).join('') }];
  }
  const line = `import ${types ? 'type ' : ''}{ ${missing.join(', ')} } from '${module}';`;
  const after = imports[imports.length - 1];
  return [after ? { at: after.getEnd(), text: `\n${line}` } : { at: 0, text: `${line}\n` }];
}

/** Registers a new tag's routes class where the others are: the object handed to operationsRouter. */
async function registerTag(root: string, tag: string): Promise<void> {
  const file = join(root, 'src/app.ts');
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile('app.ts', text, ts.ScriptTarget.Latest, true);
  let handlers: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'operationsRouter' &&
      node.arguments[0] &&
      ts.isObjectLiteralExpression(node.arguments[0])
    ) {
      handlers = node.arguments[0];
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const last = handlers?.properties[handlers.properties.length - 1];
  if (!handlers || !last) throw new Error(`src/app.ts: no operationsRouter({ ... }) call; register ${tag} by hand`);
  const names = handlers.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : ''));
  if (names.includes(tag)) return;

  const cls = routesClass(tag);
  const lineStart = text.lastIndexOf('\n', last.getStart()) + 1;
  const indent = text.slice(lineStart, last.getStart());
  const key = /^[A-Za-z_$][\w$]*$/.test(tag) ? tag : `'${tag}'`;
  const entry = `${key}: container.resolve(${cls})`;
  const comma = text[last.getEnd()] === ',';
  const insertions: Insertion[] = [
    comma
      ? { at: last.getEnd() + 1, text: `\n${indent}${entry},` }
      : { at: last.getEnd(), text: `,\n${indent}${entry}` },
  ];
  const imports = source.statements.filter(ts.isImportDeclaration);
  const routes = imports.filter((i) => (i.moduleSpecifier as ts.StringLiteral).text.startsWith('./api/routes/'));
  const after = routes[routes.length - 1] ?? imports[imports.length - 1];
  const line = `import { ${cls} } from './api/routes/${tag}.routes';`;
  insertions.push(after ? { at: after.getEnd(), text: `\n${line}` } : { at: 0, text: `${line}\n` });
  await writeFormatted(file, text, apply(text, insertions), false);
}

function apply(text: string, insertions: Insertion[]): string {
  let out = text;
  for (const { at, text: more } of [...insertions].sort((a, b) => b.at - a.at)) {
    out = out.slice(0, at) + more + out.slice(at);
  }
  return out;
}

/** Formats the result only when the file was prettier-clean before, so no hand-written line moves. */
async function writeFormatted(file: string, before: string, after: string, isNew: boolean): Promise<void> {
  // Loaded here, when a file is written: prettier starts a dynamic import on load, which jest refuses.
  const prettier = await import('prettier');
  const options = { ...(await prettier.resolveConfig(file)), filepath: file };
  const clean = isNew || (await prettier.check(before, options));
  writeFileSync(file, clean ? await prettier.format(after, options) : after);
}
