/**
 * scripts/check-deploy.ts: the committed deployment files pass, and copies broken on purpose are
 * refused with a message that names the file, the object and the field.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { checkCompose } from '../../scripts/lib/deploy/compose';
import { checkKubernetes } from '../../scripts/lib/deploy/kubernetes';

const ROOT = join(__dirname, '..', '..');
let dir: string;

/** Edits one YAML file of the copy: `[path, value]` pairs set, paths with a value of undefined deleted. */
function edit(file: string, changes: [(string | number)[], unknown][]) {
  const doc = parseDocument(readFileSync(join(dir, file), 'utf8'), { merge: true });
  for (const [path, value] of changes) {
    if (value === undefined) doc.deleteIn(path);
    else doc.setIn(path, value);
  }
  writeFileSync(join(dir, file), doc.toString());
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-deploy-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Kubernetes manifests', () => {
  it('pass as committed', () => {
    expect(checkKubernetes(join(ROOT, 'deploy', 'kubernetes'))).toEqual({ objects: 7, problems: [] });
  });

  it('refuse a misspelt field, a wrong type, and what this service cannot run with', () => {
    cpSync(join(ROOT, 'deploy', 'kubernetes'), dir, { recursive: true });
    const container = ['spec', 'template', 'spec', 'containers', 0];
    edit('deployment.yaml', [
      [[...container, 'imagePullPolcy'], 'Always'],
      [['spec', 'replica'], 3],
      [[...container, 'ports', 0, 'containerPort'], '8000'],
      [[...container, 'resources', 'limits', 'memory'], '768 MB'],
      [[...container, 'readinessProbe', 'httpGet', 'path'], '/ready'],
      [[...container, 'lifecycle', 'preStop', 'sleep', 'seconds'], 10],
      [[...container, 'env', 1, 'value'], '/etc/gatehouse/database_url'],
      [[...container, 'env', 4, 'value'], '/run/secrets/gatehouse/metrics'],
      [[...container, 'securityContext', 'readOnlyRootFilesystem'], undefined],
    ]);
    edit('configmap.yaml', [
      [['data', 'SHUTDOWN_TIMOUT_MS'], '15000'],
      [['data', 'REDIS_URL'], 'redis://:password@redis:6379'],
      [['data', 'WEB_CONCURRENCY'], '2'],
    ]);
    edit('migration-job.yaml', [[['spec', 'template', 'spec', 'containers', 0, 'image'], 'gatehouse:old']]);

    const { problems } = checkKubernetes(dir);
    const at = 'deployment.yaml Deployment/gatehouse: .spec';
    expect(problems).toEqual(
      expect.arrayContaining([
        `${at}.template.spec.containers[0].imagePullPolcy: no such field (did you mean imagePullPolicy?)`,
        `${at}.replica: no such field (did you mean replicas?)`,
        `${at}.template.spec.containers[0].ports[0].containerPort: must be integer`,
        `${at}.template.spec.containers[0].ports[0].containerPort: Type 'string' is not assignable to type 'number'.`,
        `${at}.template.spec.containers[0].resources.limits.memory: must match format "quantity"`,
        'Deployment gatehouse: readinessProbe: GET /ready is not getReadiness in the spec (/readyz)',
        "Deployment gatehouse: lifecycle.preStop.sleep.seconds is 10, the ConfigMap's SHUTDOWN_DELAY_MS 5000",
        'Deployment gatehouse: terminationGracePeriodSeconds (30) must exceed preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (30 s)',
        'Deployment gatehouse: DATABASE_URL_FILE=/etc/gatehouse/database_url is not in a mounted volume of the Secret gatehouse-secrets',
        'Deployment gatehouse: METRICS_TOKEN_FILE=/run/secrets/gatehouse/metrics: the Secret gatehouse-secrets has no such key (secret.example.yaml)',
        'Deployment gatehouse: readOnlyRootFilesystem must be true',
        'Deployment gatehouse with its ConfigMap: SHUTDOWN_TIMOUT_MS is not a setting',
        'Deployment gatehouse with its ConfigMap: REDIS_URL given inline: use REDIS_URL_FILE',
        'ConfigMap: WEB_CONCURRENCY must be 1 (one process per pod)',
        'Job gatehouse-migrate: image gatehouse:old, but kustomization.yaml sets the image gatehouse',
      ]),
    );
  });
});

describe('compose.yaml', () => {
  beforeEach(() => {
    mkdirSync(join(dir, 'deploy'));
    cpSync(join(ROOT, 'deploy', 'compose'), join(dir, 'deploy', 'compose'), { recursive: true });
    cpSync(join(ROOT, 'compose.yaml'), join(dir, 'compose.yaml'));
  });

  it('passes as committed', () => {
    expect(checkCompose(join(ROOT, 'compose.yaml'))).toEqual([]);
  });

  it('refuses what the Compose specification does not allow', () => {
    edit('compose.yaml', [
      [['services', 'postgres', 'healthcheck', 'intervall'], '5s'],
      [['services', 'redis', 'read_only'], 'yes'],
      [['services', 'lb', 'stop_grace_period'], 'soon'],
    ]);
    expect(checkCompose(join(dir, 'compose.yaml'))).toEqual(
      expect.arrayContaining([
        'compose.yaml: /services/postgres/healthcheck: must NOT have additional properties: intervall',
        'compose.yaml: /services/redis/read_only: must be boolean',
        'compose.yaml: /services/lb/stop_grace_period: must match format "duration"',
      ]),
    );
  });

  it('refuses instances that would not start, or not wait for the migration', () => {
    const env = ['x-gatehouse', 'environment'];
    edit('compose.yaml', [
      [[...env, 'MASTER_KEY_FILE'], '/run/secrets/master-key'],
      [[...env, 'METRICS_TOKEN'], 'a-metrics-token-inline'],
      [[...env, 'SHUTDOWN_TIMEOUT_MS'], '30000'],
      [['x-instance', 'depends_on', 'migrate', 'condition'], 'service_started'],
    ]);
    writeFileSync(
      join(dir, 'deploy', 'compose', 'haproxy.cfg'),
      readFileSync(join(dir, 'deploy', 'compose', 'haproxy.cfg'), 'utf8').replace(
        'gatehouse-2:8000',
        'gatehouse-3:8000',
      ),
    );
    expect(checkCompose(join(dir, 'compose.yaml'))).toEqual(
      expect.arrayContaining([
        "compose.yaml: services.gatehouse-1: MASTER_KEY_FILE=/run/secrets/master-key is not one of the service's secrets",
        'compose.yaml: services.migrate: METRICS_TOKEN given inline: use METRICS_TOKEN_FILE',
        'compose.yaml: services.gatehouse-2: must depend on migrate completing successfully',
        'compose.yaml: services.gatehouse-1: stop_grace_period must exceed SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (35 s)',
        'deploy/compose/haproxy.cfg: servers gatehouse-1:8000, gatehouse-3:8000; the instances are gatehouse-1:8000, gatehouse-2:8000',
      ]),
    );
  });
});
