/**
 * Kubernetes objects checked against kubernetes-models, which is generated from Kubernetes'
 * OpenAPI schemas, in two ways:
 * - its validate(): the schemas themselves (types, required fields, formats such as quantities);
 * - its TypeScript interfaces: each object, as an object literal of its kind's type, through the
 *   compiler. The schemas allow any extra field (they set no additionalProperties), so a misspelt
 *   field passes validate() and Kubernetes would drop it; the compiler's excess-property check
 *   refuses it at any depth.
 */
import { dirname, join } from 'node:path';
import ts from 'typescript';

export interface Manifest {
  file: string;
  doc: { apiVersion: string; kind: string; metadata?: { name?: string } } & Record<string, unknown>;
}

/** `file Kind/name` */
export const describe = ({ file, doc }: Manifest) => `${file} ${doc.kind}/${doc.metadata?.name ?? '?'}`;

const ROOT = join(__dirname, '..', '..', '..');
/** `apps/v1` -> `apps/v1`; the core group `v1` -> `v1`: the package's folders. */
const modulePath = (m: Manifest) => `kubernetes-models/${m.doc.apiVersion}/${m.doc.kind}`;

/** validate() of each object's model; an unknown apiVersion or kind is a problem too. */
export function validateSchemas(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  for (const m of manifests) {
    let Model: new (data: unknown) => { validate(): void };
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      Model = require(modulePath(m))[m.doc.kind];
    } catch {
      problems.push(`${describe(m)}: no such kind in the Kubernetes API (${m.doc.apiVersion} ${m.doc.kind})`);
      continue;
    }
    try {
      new Model(m.doc).validate();
    } catch (error) {
      // ajv's "data/spec/ports/0/port must be integer, ..." -> ".spec.ports[0].port: must be integer"
      for (const message of (error as Error).message.split(', ')) {
        const [, path = '', text = message] = /^data(\S*) (.*)$/.exec(message) ?? [];
        problems.push(`${describe(m)}: ${path.replace(/\/(\d+)/g, '[$1]').replaceAll('/', '.') || '.'}: ${text}`);
      }
    }
  }
  return problems;
}

/** Each object as `const m<i>: I<Kind> = {...}` through the compiler; problems name the field's path. */
export function checkTypes(manifests: Manifest[]): string[] {
  const fileName = join(ROOT, 'deploy', '__manifests__.ts');
  const source = manifests
    .map((m, i) => `import type { I${m.doc.kind} as T${i} } from '${modulePath(m)}';`)
    .concat(manifests.map((m, i) => `export const m${i}: T${i} = ${JSON.stringify(m.doc, null, 2)};`))
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    baseUrl: dirname(fileName),
  };
  const host = ts.createCompilerHost(options);
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, ...rest) => (name === fileName ? sourceFile : getSourceFile(name, ...rest));
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const where = (position: number) => {
    const { index, path } = locate(sourceFile, position);
    return `${index === undefined ? fileName : describe(manifests[index]!)}: ${path || '.'}`;
  };
  // The compiler stops at an object's first excess property: these are all of them.
  const unknown = unknownFields(sourceFile, program.getTypeChecker()).map(
    ({ node, known }) => `${where(node.getStart(sourceFile))}: no such field${hint(node.getText(sourceFile), known)}`,
  );
  const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
  return unknown.concat(
    diagnostics
      .filter((d) => d.code !== EXCESS_PROPERTY)
      .map((d) => `${where(d.start ?? 0)}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`),
  );
}

/** "Object literal may only specify known properties" */
const EXCESS_PROPERTY = 2353;

/** Property names of object literals that the type they are checked against does not have. */
function unknownFields(source: ts.SourceFile, checker: ts.TypeChecker) {
  const found: { node: ts.PropertyName; known: string[] }[] = [];
  const visit = (node: ts.Node) => {
    const type = ts.isObjectLiteralExpression(node) ? checker.getContextualType(node) : undefined;
    const shapes = type && (type.isUnion() ? type.types : [type]).filter((t) => t.flags & ts.TypeFlags.Object);
    if (shapes?.length && !shapes.some((t) => checker.getIndexInfosOfType(t).length)) {
      const known = shapes.flatMap((t) => checker.getPropertiesOfType(t).map((p) => p.name));
      for (const property of (node as ts.ObjectLiteralExpression).properties) {
        const name = property.name && JSON.parse(property.name.getText(source));
        if (property.name && !known.includes(name)) found.push({ node: property.name, known });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `, e.g. imagePullPolicy` for a name one or two edits away from a known one. */
function hint(quoted: string, known: string[]): string {
  const name = JSON.parse(quoted) as string;
  const close = known.find((k) => distance(k.toLowerCase(), name.toLowerCase()) <= 2);
  return close ? ` (did you mean ${close}?)` : '';
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}

/** Which object (m<i>) and which field path a position in the generated source is in. */
function locate(file: ts.SourceFile, position: number): { index?: number; path: string } {
  let node: ts.Node = file;
  for (;;) {
    const child = node.getChildren(file).find((c) => c.getStart(file) <= position && position < c.getEnd());
    if (!child) break;
    node = child;
  }
  const path: string[] = [];
  for (let n: ts.Node | undefined = node; n; n = n.parent) {
    if (ts.isPropertyAssignment(n)) path.unshift(`.${n.name.getText(file).replaceAll('"', '')}`);
    if (n.parent && ts.isArrayLiteralExpression(n.parent))
      path.unshift(`[${n.parent.elements.indexOf(n as ts.Expression)}]`);
    if (ts.isVariableDeclaration(n)) return { index: Number(n.name.getText(file).slice(1)), path: path.join('') };
  }
  return { path: path.join('') };
}
