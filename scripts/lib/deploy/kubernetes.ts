/**
 * deploy/kubernetes: every object checked against the Kubernetes schemas and types
 * (kubernetes-types.ts), then against this service: the probes ask operations the spec has, the
 * preStop sleep matches SHUTDOWN_DELAY_MS and the grace period covers the whole shutdown, every
 * *_FILE names a key of a mounted Secret, the ConfigMap holds only known, valid, non-secret
 * settings, both workloads run the same image hardened the same way.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse, parseAllDocuments } from 'yaml';
import { checkTypes, validateSchemas, type Manifest } from './kubernetes-types';
import { checkSettings, specGetOperations } from './settings';

export interface KubernetesReport {
  objects: number;
  problems: string[];
}

export function checkKubernetes(dir: string): KubernetesReport {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const manifests: Manifest[] = files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => ({ file, doc: d.toJSON() })),
  );
  const problems = [...validateSchemas(manifests), ...checkTypes(manifests)];
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as {
    resources?: string[];
    images?: { name: string }[];
  };
  const applied = files.filter((f) => f !== 'secret.example.yaml').sort();
  if (JSON.stringify([...(kustomization.resources ?? [])].sort()) !== JSON.stringify(applied)) {
    problems.push(`kustomization.yaml: resources must be every manifest but secret.example.yaml: ${applied}`);
  }
  const one = <T>(kind: string) => {
    const found = manifests.filter((m) => m.doc.kind === kind);
    if (found.length !== 1) problems.push(`${dir}: one ${kind} expected, found ${found.length}`);
    return found[0]?.doc as T | undefined;
  };
  const config = one<IConfigMap>('ConfigMap');
  const secret = one<ISecret>('Secret');
  const deployment = one<IDeployment>('Deployment');
  const job = one<IJob>('Job');
  const service = one<IService>('Service');
  const pdb = one<IPodDisruptionBudget>('PodDisruptionBudget');
  const hpa = one<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  if (!config || !secret || !deployment || !job || !service || !pdb || !hpa)
    return { objects: manifests.length, problems };

  const settings = config.data ?? {};
  if (settings.WEB_CONCURRENCY !== '1') problems.push('ConfigMap: WEB_CONCURRENCY must be 1 (one process per pod)');
  if (settings.MIGRATE_ON_START !== 'false')
    problems.push('ConfigMap: MIGRATE_ON_START must be false (the Job migrates)');
  const secretKeys = Object.keys({ ...secret.data, ...secret.stringData });
  const image = kustomization.images?.[0]?.name;
  const want = { configMap: config.metadata?.name, secret: secret.metadata?.name, secretKeys, image };
  problems.push(
    ...checkPod(`Deployment ${deployment.metadata?.name}`, deployment.spec?.template.spec, { ...want, settings }),
  );
  // The CLI leaves ADMIN_EMAIL and ADMIN_PASSWORD to create-admin (src/cli.ts): the Job needs neither.
  const { ADMIN_EMAIL: _email, ...jobSettings } = settings;
  problems.push(...checkPod(`Job ${job.metadata?.name}`, job.spec?.template.spec, { ...want, settings: jobSettings }));
  const server = deployment.spec?.template.spec?.containers[0];
  if (server) problems.push(...checkServer(deployment, server, settings));
  const migrate = job.spec?.template.spec?.containers[0];
  if (migrate && migrate.command?.join(' ') !== 'node dist/src/cli.js migrate') {
    problems.push(`Job: its container runs \`node dist/src/cli.js migrate\` (got ${migrate.command?.join(' ')})`);
  }

  const labels = deployment.spec?.template.metadata?.labels ?? {};
  const selects = (selector: Record<string, string> | undefined) =>
    !!selector && Object.entries(selector).every(([k, v]) => labels[k] === v);
  if (!selects(deployment.spec?.selector.matchLabels)) problems.push('Deployment: its selector must match its pods');
  if (!selects(service.spec?.selector)) problems.push("Service: its selector must match the Deployment's pods");
  if (!selects(pdb.spec?.selector?.matchLabels))
    problems.push("PodDisruptionBudget: must select the Deployment's pods");
  const ports = server?.ports?.map((p) => p.name) ?? [];
  if (service.spec?.ports?.some((p) => typeof p.targetPort === 'string' && !ports.includes(p.targetPort))) {
    problems.push("Service: targetPort must name one of the container's ports");
  }
  if (hpa.spec?.scaleTargetRef.kind !== 'Deployment' || hpa.spec.scaleTargetRef.name !== deployment.metadata?.name) {
    problems.push('HorizontalPodAutoscaler: must scale the Deployment');
  }
  if ((hpa.spec?.minReplicas ?? 1) <= Number(pdb.spec?.minAvailable ?? 0)) {
    problems.push(
      "HorizontalPodAutoscaler: minReplicas must exceed the budget's minAvailable, or no node can be drained",
    );
  }
  return { objects: manifests.length, problems };
}

/** The pod spec both workloads share: hardening, resources, settings and secrets as files. */
function checkPod(
  where: string,
  pod: IPodSpec | undefined,
  want: {
    configMap?: string;
    settings: Record<string, string>;
    secret?: string;
    secretKeys: string[];
    image?: string;
  },
): string[] {
  const problems: string[] = [];
  const container = pod?.containers[0];
  if (!pod || !container || pod.containers.length !== 1) return [`${where}: one container expected`];
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${where}: securityContext.runAsNonRoot must be true`);
  if (pod.securityContext?.seccompProfile?.type !== 'RuntimeDefault') {
    problems.push(`${where}: securityContext.seccompProfile.type must be RuntimeDefault`);
  }
  const security = container.securityContext;
  if (security?.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem must be true`);
  if (security?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation must be false`);
  if (!security?.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities must drop ALL`);
  for (const kind of ['requests', 'limits'] as const) {
    for (const resource of ['cpu', 'memory']) {
      if (container.resources?.[kind]?.[resource] === undefined)
        problems.push(`${where}: resources.${kind}.${resource} missing`);
    }
  }
  if (want.image && container.image !== want.image) {
    problems.push(`${where}: image ${container.image}, but kustomization.yaml sets the image ${want.image}`);
  }
  if (!container.envFrom?.some((e) => e.configMapRef?.name === want.configMap)) {
    problems.push(`${where}: envFrom must take the ConfigMap ${want.configMap}`);
  }
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? '']));
  const inline = Object.keys(env).filter((n) => !n.endsWith('_FILE'));
  if (inline.length) problems.push(`${where}: settings belong in the ConfigMap, secrets in *_FILE: ${inline}`);
  problems.push(...checkSettings(`${where} with its ConfigMap`, { ...want.settings, ...env }));
  for (const [name, path] of Object.entries(env).filter(([n]) => n.endsWith('_FILE'))) {
    const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
    const volume = pod.volumes?.find((v) => v.name === mount?.name)?.secret;
    const file = mount ? path.slice(mount.mountPath.length + 1) : '';
    const key = volume?.items ? volume.items.find((i) => i.path === file)?.key : file;
    if (!mount || !volume || volume.secretName !== want.secret) {
      problems.push(`${where}: ${name}=${path} is not in a mounted volume of the Secret ${want.secret}`);
    } else if (!key || !want.secretKeys.includes(key)) {
      problems.push(`${where}: ${name}=${path}: the Secret ${want.secret} has no such key (secret.example.yaml)`);
    }
  }
  return problems;
}

/** Probes on the spec's health operations, and a shutdown that fits in the grace period. */
function checkServer(deployment: IDeployment, server: IContainer, settings: Record<string, string>): string[] {
  const problems: string[] = [];
  const where = `Deployment ${deployment.metadata?.name}`;
  const operations = specGetOperations();
  const probes = {
    startupProbe: 'getHealth',
    livenessProbe: 'getHealth',
    readinessProbe: 'getReadiness',
  } as const;
  for (const [probe, operationId] of Object.entries(probes) as [keyof typeof probes, string][]) {
    const get = server[probe]?.httpGet;
    if (!get) {
      problems.push(`${where}: ${probe}: an httpGet probe expected`);
      continue;
    }
    if (operations[get.path ?? ''] !== operationId) {
      problems.push(
        `${where}: ${probe}: GET ${get.path} is not ${operationId} in the spec (${pathOf(operations, operationId)})`,
      );
    }
    const port = server.ports?.find((p) => p.name === get.port || p.containerPort === get.port);
    if (!port) problems.push(`${where}: ${probe}: port ${get.port} is not a port of the container`);
    else if (Number(port.containerPort) !== Number(settings.PORT ?? 8000)) {
      problems.push(`${where}: ${probe}: port ${port.containerPort}, but the ConfigMap's PORT is ${settings.PORT}`);
    }
  }
  const preStopMs = (server.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
  const delayMs = Number(settings.SHUTDOWN_DELAY_MS ?? 0);
  const timeoutMs = Number(settings.SHUTDOWN_TIMEOUT_MS ?? 15_000);
  if (preStopMs !== delayMs) {
    problems.push(
      `${where}: lifecycle.preStop.sleep.seconds is ${preStopMs / 1000}, the ConfigMap's SHUTDOWN_DELAY_MS ${delayMs}`,
    );
  }
  const graceMs = (deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  if (graceMs <= preStopMs + delayMs + timeoutMs) {
    problems.push(
      `${where}: terminationGracePeriodSeconds (${graceMs / 1000}) must exceed preStop + SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS (${(preStopMs + delayMs + timeoutMs) / 1000} s)`,
    );
  }
  return problems;
}

const pathOf = (operations: Record<string, string>, operationId: string) =>
  `${Object.keys(operations).find((p) => operations[p] === operationId) ?? 'none'}`;
