/**
 * Renders the Helm chart (deploy/helm/render.ts) with its defaults and the other shapes its values
 * allow, and validates every manifest against the Kubernetes API schemas, unknown fields included.
 * Split mode (api + inference Deployments) is checked for its wiring: roles, INFERENCE_URLS, selectors.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../apps/server/src/config/config.js';
import { configEnvVars, REPO } from './config-vars.js';
import { renderChart } from './helm/render.js';
import { validateManifest } from './k8s-validate.js';

const CHART = path.join(REPO, 'deploy/helm/modelgarden');

const SHAPES: Record<string, Record<string, unknown>> = {
  defaults: {},
  'fixed replicas, no PDB, existing secret': {
    autoscaling: { enabled: false },
    podDisruptionBudget: { enabled: false },
    secret: { create: false, existingSecret: 'mg-db' },
  },
  'persistent /data (new claim)': { persistence: { enabled: true, storageClassName: 'nfs' } },
  'persistent /data (existing claim)': { persistence: { enabled: true, existingClaim: 'shared-artifacts' } },
};

// Rendered manifests are untyped JSON; the tests index into them freely.
// biome-ignore lint/suspicious/noExplicitAny: untyped YAML documents
type Doc = Record<string, any>;
const byKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);
function one(docs: Doc[], kind: string): Doc {
  const found = byKind(docs, kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, rendered ${found.length}`);
  return found[0] as Doc;
}

describe.each(Object.entries(SHAPES))('chart rendered with %s', (_name, overrides) => {
  const docs = renderChart(CHART, overrides).map((m) => m.doc as Doc);

  it('renders manifests that validate against the Kubernetes API schemas', () => {
    expect(docs.length).toBeGreaterThanOrEqual(3);
    expect(docs.flatMap(validateManifest)).toEqual([]);
  });

  it('wires the Deployment to its ConfigMap, Secret, Service and claim', () => {
    const deployment = one(docs, 'Deployment');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const names = new Set(docs.map((d) => `${d.kind}/${d.metadata.name}`));
    for (const from of container.envFrom) {
      if (from.configMapRef) expect(names).toContain(`ConfigMap/${from.configMapRef.name}`);
      if (from.secretRef && (overrides.secret as Doc | undefined)?.create !== false)
        expect(names).toContain(`Secret/${from.secretRef.name}`);
    }
    const claim = pod.volumes.find((v: Doc) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName;
    if (claim && claim !== 'shared-artifacts') expect(names).toContain(`PersistentVolumeClaim/${claim}`);
    for (const service of byKind(docs, 'Service')) {
      expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
      const port = service.spec.ports[0].targetPort;
      expect(container.ports.map((p: Doc) => p.name)).toContain(port);
    }
    expect(deployment.spec.template.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
  });
});

describe('chart defaults', () => {
  const docs = renderChart(CHART).map((m) => m.doc as Doc);
  const deployment = one(docs, 'Deployment');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const configMap = one(docs, 'ConfigMap');

  it('configures only variables the server reads', () => {
    const known = configEnvVars();
    const keys = [...Object.keys(configMap.data), ...Object.keys(one(docs, 'Secret').stringData)];
    for (const key of keys) expect(known.has(key), key).toBe(true);
    expect(configMap.data).toMatchObject({ HOST: '0.0.0.0', DATA_DIR: '/data' });
    expect(container.ports[0].containerPort).toBe(Number(configMap.data.PORT));
  });

  it('runs non-root on a read-only root filesystem with writable /tmp and /data', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    const mounts = Object.fromEntries(container.volumeMounts.map((m: Doc) => [m.mountPath, m.name]));
    expect(Object.keys(mounts).sort()).toEqual(['/data', '/tmp']);
    for (const name of Object.values(mounts)) expect(pod.volumes.map((v: Doc) => v.name)).toContain(name);
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
  });

  it('gives the pod longer to stop than preStop sleep plus the drain timeout', () => {
    const sleep = Number(container.lifecycle.preStop.exec.command.at(-1));
    const drain = Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000;
    expect(sleep).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + drain);
  });

  it('autoscales on CPU and in-flight requests, up fast and down after 300 s', () => {
    const hpa = one(docs, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(deployment.spec.replicas).toBeUndefined(); // the HPA owns it
    const types = hpa.spec.metrics.map((m: Doc) => m.resource?.name ?? m.pods?.metric.name);
    expect(types).toEqual(['cpu', 'http_server_active_requests']);
    expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const pdb = one(docs, 'PodDisruptionBudget');
    expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
  });
});

describe('validation self-test', () => {
  it('reports a wrong type, an unknown field and an unknown kind', () => {
    const deployment = one(
      renderChart(CHART).map((m) => m.doc as Doc),
      'Deployment',
    );
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    broken.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/typo';
    const problems = validateManifest(broken).join('\n');
    expect(problems).toMatch(/containerPort must be integer/);
    expect(problems).toMatch(/unknown field .*livenessProbe\/httpGet\/paht/);
    expect(validateManifest({ apiVersion: 'v1', kind: 'Pod' })).toHaveLength(1);
  });

  it('rejects templates outside the supported subset', () => {
    expect(() => renderChart(path.join(REPO, 'deploy/helm/testdata/unsupported'))).toThrow(/subset/);
  });
});

// ---------------------------------------------------------------------------------------------------
// mode: split
// ---------------------------------------------------------------------------------------------------

const SPLIT_SHAPES: Record<string, Record<string, unknown>> = {
  'a shared claim': { mode: 'split', persistence: { enabled: true, storageClassName: 'nfs' } },
  'S3, fixed replicas, one PDB, existing secret': {
    mode: 'split',
    config: { ARTIFACT_STORE: 's3', S3_BUCKET: 'models' },
    secret: { create: false, existingSecret: 'mg-db' },
    api: { autoscaling: { enabled: false }, replicaCount: 3 },
    inference: { autoscaling: { enabled: false }, replicaCount: 4, podDisruptionBudget: { enabled: false } },
  },
};

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * Problems with how a render's objects find each other: every Service and PodDisruptionBudget must
 * select the pods of exactly one Deployment, every Deployment's selector only its own pods, and every
 * HPA must target a Deployment that exists.
 */
function selectorProblems(docs: Doc[]): string[] {
  const problems: string[] = [];
  const deployments = byKind(docs, 'Deployment');
  const selecting = (selector: Record<string, string>) =>
    deployments.filter((d) => matches(selector, d.spec.template.metadata.labels)).map((d) => d.metadata.name);
  for (const d of deployments) {
    const own = selecting(d.spec.selector.matchLabels);
    if (own.length !== 1 || own[0] !== d.metadata.name)
      problems.push(`Deployment/${d.metadata.name} selects the pods of ${own.join(', ') || 'nothing'}`);
  }
  for (const [kind, selectorOf] of [
    ['Service', (o: Doc) => o.spec.selector],
    ['PodDisruptionBudget', (o: Doc) => o.spec.selector.matchLabels],
  ] as const) {
    for (const o of byKind(docs, kind)) {
      const selected = selecting(selectorOf(o));
      if (selected.length !== 1)
        problems.push(`${kind}/${o.metadata.name} selects the pods of ${selected.join(', ') || 'nothing'}`);
    }
  }
  for (const hpa of byKind(docs, 'HorizontalPodAutoscaler')) {
    const target = hpa.spec.scaleTargetRef;
    if (target.kind !== 'Deployment' || !deployments.some((d) => d.metadata.name === target.name))
      problems.push(
        `HorizontalPodAutoscaler/${hpa.metadata.name} targets a missing ${target.kind}/${target.name}`,
      );
  }
  return problems;
}

const named = (docs: Doc[], kind: string, name: string): Doc => {
  const found = docs.find((d) => d.kind === kind && d.metadata.name === name);
  if (!found) throw new Error(`no ${kind}/${name} rendered`);
  return found;
};
const envOf = (deployment: Doc): Record<string, string> =>
  Object.fromEntries(
    (deployment.spec.template.spec.containers[0].env ?? []).map((e: Doc) => [e.name, e.value]),
  );

describe.each(Object.entries(SPLIT_SHAPES))('chart in split mode with %s', (_name, overrides) => {
  const docs = renderChart(CHART, overrides).map((m) => m.doc as Doc);
  const api = named(docs, 'Deployment', 'mg-modelgarden-api');
  const inference = named(docs, 'Deployment', 'mg-modelgarden-inference');
  const apiService = named(docs, 'Service', 'mg-modelgarden-api');
  const inferenceService = named(docs, 'Service', 'mg-modelgarden-inference');
  const configMap = one(docs, 'ConfigMap');

  it('renders manifests that validate against the Kubernetes API schemas, and no monolith', () => {
    expect(docs.flatMap(validateManifest)).toEqual([]);
    expect(byKind(docs, 'Deployment').map((d) => d.metadata.name)).toEqual([
      'mg-modelgarden-api',
      'mg-modelgarden-inference',
    ]);
    expect(byKind(docs, 'Service')).toHaveLength(2);
  });

  it('runs the api pods with ROLE=api and INFERENCE_URLS at the inference Service', () => {
    const env = envOf(api);
    expect(env.ROLE).toBe('api');
    const url = new URL(env.INFERENCE_URLS!);
    expect(url.hostname).toBe(inferenceService.metadata.name);
    expect(Number(url.port || 80)).toBe(inferenceService.spec.ports[0].port);
    // The Service sends that port to the inference container's port, where the server listens.
    const container = inference.spec.template.spec.containers[0];
    const target = container.ports.find((p: Doc) => p.name === inferenceService.spec.ports[0].targetPort);
    expect(target?.containerPort).toBe(Number(configMap.data.PORT));
    expect(inferenceService.spec.type).toBe('ClusterIP');
    // The server accepts what the api pod gets (ConfigMap, then env, which wins over envFrom).
    const config = loadConfig({ ...configMap.data, ...env }, os.tmpdir());
    expect(config.role).toBe('api');
    expect(config.inferenceUrls).toEqual([env.INFERENCE_URLS]);
  });

  it('runs the inference pods with ROLE=inference and no forwarding', () => {
    const env = envOf(inference);
    expect(env).toEqual({ ROLE: 'inference' });
    expect(loadConfig({ ...configMap.data, ...env }, os.tmpdir()).role).toBe('inference');
  });

  it('selects one role per Service, PDB and Deployment, and the api Service is the public one', () => {
    expect(selectorProblems(docs)).toEqual([]);
    expect(matches(apiService.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(matches(inferenceService.spec.selector, inference.spec.template.metadata.labels)).toBe(true);
    expect(apiService.spec.type).toBe('ClusterIP');
    for (const pdb of byKind(docs, 'PodDisruptionBudget')) {
      const deployment = named(docs, 'Deployment', pdb.metadata.name);
      expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    }
  });

  it('gives both roles the ConfigMap, Secret, shared /data, probes and security settings', () => {
    const names = new Set(docs.map((d) => `${d.kind}/${d.metadata.name}`));
    const volumes = [api, inference].map((d) => {
      const pod = d.spec.template.spec;
      const container = pod.containers[0];
      for (const from of container.envFrom) {
        if (from.configMapRef) expect(names).toContain(`ConfigMap/${from.configMapRef.name}`);
        if (from.secretRef && (overrides.secret as Doc | undefined)?.create !== false)
          expect(names).toContain(`Secret/${from.secretRef.name}`);
      }
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'])
        expect(container[probe]?.httpGet.port, `${d.metadata.name} ${probe}`).toBe('http');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
      expect(container.resources.requests.cpu).toBeDefined();
      const sleep = Number(container.lifecycle.preStop.exec.command.at(-1));
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(
        sleep + Number(configMap.data.SHUTDOWN_TIMEOUT_MS) / 1000,
      );
      const mount = container.volumeMounts.find((m: Doc) => m.mountPath === configMap.data.DATA_DIR);
      return pod.volumes.find((v: Doc) => v.name === mount.name);
    });
    // One artifact store: the same claim on both roles, or S3 (then /data only stages uploads).
    if (configMap.data.ARTIFACT_STORE === 's3') expect(volumes.map((v) => v.emptyDir)).toEqual([{}, {}]);
    else {
      expect(volumes[0].persistentVolumeClaim.claimName).toBe(volumes[1].persistentVolumeClaim.claimName);
      expect(names).toContain(`PersistentVolumeClaim/${volumes[0].persistentVolumeClaim.claimName}`);
    }
  });

  it('autoscales inference on CPU and in-flight requests and api on CPU, or pins the replicas', () => {
    const hpas = byKind(docs, 'HorizontalPodAutoscaler');
    const values = overrides as Doc;
    for (const [role, deployment, metrics] of [
      ['api', api, ['cpu']],
      ['inference', inference, ['cpu', 'http_server_active_requests']],
    ] as const) {
      const hpa = hpas.find((h) => h.spec.scaleTargetRef.name === deployment.metadata.name);
      if (values[role]?.autoscaling?.enabled === false) {
        expect(hpa, role).toBeUndefined();
        expect(deployment.spec.replicas, role).toBe(values[role].replicaCount);
        continue;
      }
      expect(deployment.spec.replicas, role).toBeUndefined(); // the HPA owns it
      expect(hpa!.spec.metrics.map((m: Doc) => m.resource?.name ?? m.pods?.metric.name)).toEqual(metrics);
      expect(hpa!.spec.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa!.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    }
  });
});

describe('split mode refuses what cannot work', () => {
  it('fails without an artifact store both roles share', () => {
    expect(() => renderChart(CHART, { mode: 'split' })).toThrow(/shared?.*persistence\.enabled/);
    expect(() =>
      renderChart(CHART, {
        mode: 'split',
        config: { ARTIFACT_STORE: 'fs' },
        persistence: { enabled: false },
      }),
    ).toThrow(/ARTIFACT_STORE=s3/);
  });

  it('fails on an unknown mode', () => {
    expect(() => renderChart(CHART, { mode: 'microservices' })).toThrow(/mode must be monolith or split/);
  });

  it('reports a Service or PDB that selects both roles, and an HPA on a missing Deployment', () => {
    const docs = renderChart(CHART, SPLIT_SHAPES['a shared claim']).map((m) => structuredClone(m.doc) as Doc);
    const service = named(docs, 'Service', 'mg-modelgarden-inference');
    delete service.spec.selector['app.kubernetes.io/component'];
    const pdb = named(docs, 'PodDisruptionBudget', 'mg-modelgarden-api');
    pdb.spec.selector.matchLabels['app.kubernetes.io/component'] = 'web';
    named(docs, 'HorizontalPodAutoscaler', 'mg-modelgarden-api').spec.scaleTargetRef.name = 'mg-modelgarden';
    expect(selectorProblems(docs)).toEqual([
      'Service/mg-modelgarden-inference selects the pods of mg-modelgarden-api, mg-modelgarden-inference',
      'PodDisruptionBudget/mg-modelgarden-api selects the pods of nothing',
      'HorizontalPodAutoscaler/mg-modelgarden-api targets a missing Deployment/mg-modelgarden',
    ]);
  });

  it('renders the monolith unchanged by the split values', () => {
    const monolith = renderChart(CHART).map((m) => m.doc as Doc);
    const explicit = renderChart(CHART, {
      mode: 'monolith',
      api: { replicaCount: 9 },
      inference: { service: { port: 9 } },
    }).map((m) => m.doc as Doc);
    expect(explicit).toEqual(monolith);
    expect(selectorProblems(monolith)).toEqual([]);
    expect(monolith.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual([
      'ConfigMap/mg-modelgarden',
      'Deployment/mg-modelgarden',
      'HorizontalPodAutoscaler/mg-modelgarden',
      'PodDisruptionBudget/mg-modelgarden',
      'Secret/mg-modelgarden',
      'Service/mg-modelgarden',
    ]);
    expect(envOf(one(monolith, 'Deployment'))).toEqual({});
  });
});
