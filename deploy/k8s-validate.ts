/**
 * Validates rendered Kubernetes manifests against the API schemas (kubernetes-models' compiled
 * OpenAPI validators) and, like `kubeconform --strict`, reports fields the schema does not know.
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';

const MODELS: Record<string, { prototype: { validate(): void } }> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/Secret': Secret,
  'v1/Service': Service,
};

/** Wraps an object so that every key the validator reads is crossed off; what is left is unknown. */
function track(value: unknown, path: string, unread: Map<string, Set<string>>): unknown {
  if (!value || typeof value !== 'object') return value;
  const keys = new Set(Object.keys(value));
  if (!Array.isArray(value)) unread.set(path, keys);
  const cache = new Map<string, unknown>();
  return new Proxy(value, {
    get(target, key, receiver) {
      if (typeof key !== 'string') return Reflect.get(target, key, receiver);
      keys.delete(key);
      if (!cache.has(key))
        cache.set(key, track(Reflect.get(target, key, receiver), `${path}/${key}`, unread));
      return cache.get(key);
    },
  });
}

/** Problems with one manifest: unknown kind, schema errors, unknown fields. Empty when valid. */
export function validateManifest(doc: Record<string, unknown>): string[] {
  const id = `${String(doc.apiVersion)}/${String(doc.kind)}`;
  const model = MODELS[id];
  if (!model) return [`${id}: no schema registered in deploy/k8s-validate.ts`];
  const unread = new Map<string, Set<string>>();
  const problems: string[] = [];
  try {
    model.prototype.validate.call(track(doc, '', unread));
  } catch (err) {
    problems.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const [path, keys] of unread)
    for (const key of keys) problems.push(`${id}: unknown field ${path}/${key}`);
  return problems;
}
