/**
 * Prints which documented (operationId, status) pairs the run exercised and,
 * on a run of the whole suite, fails it when an operation was never called or
 * a documented status never produced, unless test/contract/coverage-exceptions.json
 * says why. The server answers HEAD for every GET operation: each has a row of
 * its own, `<operationId> (HEAD)`, with the GET's success statuses (2xx, 3xx);
 * its errors come from the same middleware as GET's.
 */
const { readdirSync, readFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..', '..');
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
const headRow = (operationId) => `${operationId} (HEAD)`;

function documented() {
  const spec = JSON.parse(readFileSync(join(root, 'generated', 'openapi.json'), 'utf8'));
  const pairs = [];
  for (const item of Object.values(spec.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      for (const status of Object.keys(op.responses))
        pairs.push({ operationId: op.operationId, status: Number(status) });
      if (method !== 'get') continue;
      for (const status of Object.keys(op.responses).filter((s) => /^[23]/.test(s)))
        pairs.push({ operationId: headRow(op.operationId), status: Number(status) });
    }
  }
  return pairs;
}

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

class CoverageReporter {
  constructor() {
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const dir = process.env.GATEHOUSE_CONTRACT_COVERAGE_DIR;
    if (!dir) return;
    const seen = new Set();
    for (const file of readdirSync(dir)) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
        if (!line) continue;
        const { operationId, status, method } = JSON.parse(line);
        seen.add(`${method === 'HEAD' ? headRow(operationId) : operationId}:${status}`);
      }
    }
    const exceptions = JSON.parse(readFileSync(join(root, 'test', 'contract', 'coverage-exceptions.json'), 'utf8'));
    const exempt = (op, status) => exceptions[`${op}:${status}`] ?? exceptions[`*:${status}`];

    const byOp = new Map();
    for (const { operationId, status } of documented()) {
      const row = byOp.get(operationId) ?? [];
      row.push(status);
      byOp.set(operationId, row);
    }
    const missing = [];
    const lines = ['', 'Contract coverage (operationId x documented status): + exercised, - missing, ~ excepted'];
    for (const [op, statuses] of [...byOp].sort(([a], [b]) => a.localeCompare(b))) {
      const cells = statuses.sort().map((status) => {
        if (seen.has(`${op}:${status}`)) return `+${status}`;
        if (exempt(op, status)) return `~${status}`;
        missing.push(`${op} ${status}`);
        return `-${status}`;
      });
      lines.push(`  ${op.padEnd(25)} ${cells.join(' ')}`);
    }
    // HEAD is documented as its GET operation is (an error status too)
    const undocumented = [...seen].filter((pair) => {
      const [row, status] = pair.split(':');
      return !(byOp.get(row.replace(/ \(HEAD\)$/, '')) ?? []).includes(Number(status));
    });
    const complete =
      results.numTotalTestSuites >= testFiles(join(root, 'test')).length && results.numFailedTestSuites === 0;
    const exercisedCount = [...byOp].reduce((n, [op, sts]) => n + sts.filter((s) => seen.has(`${op}:${s}`)).length, 0);
    const total = [...byOp.values()].reduce((n, sts) => n + sts.length, 0);
    lines.push(
      `  ${exercisedCount} of ${total} documented pairs exercised; ${missing.length} missing without an exception`,
    );
    if (undocumented.length) lines.push(`  produced but not documented: ${undocumented.join(', ')}`);
    if (!complete) lines.push('  (a partial or failed run: coverage is reported, not enforced)');
    console.log(lines.join('\n'));
    if (complete && missing.length) {
      this.error = new Error(`Contract coverage: never exercised: ${missing.join(', ')}`);
    }
  }

  getLastError() {
    return this.error;
  }
}

module.exports = CoverageReporter;
