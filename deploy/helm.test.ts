/**
 * Renders the Helm chart (deploy/helm/render.ts) with its defaults and the other shapes its values
 * allow, and validates every manifest against the Kubernetes API schemas, unknown fields included.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
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
