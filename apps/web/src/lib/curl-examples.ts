// Builds copy-paste curl commands for a model's friendly predict endpoint and its OIP infer endpoint.

import type { ModelVersion, TensorSpec } from '@modelgarden/sdk';

function exampleValue(index: number): number {
  return Number((1 + index * 0.5).toFixed(1));
}

function concreteShape(spec: TensorSpec): number[] {
  return spec.shape.map((d) => (d < 0 ? 1 : d));
}

/** The curl for `POST /api/models/{name}/predict`. */
export function friendlyCurl(origin: string, version: ModelVersion): string {
  const url = `${origin}/api/models/${version.model}/predict`;
  if (version.task === 'image-classification') {
    return `curl -X POST ${url} \\\n  -F image=@picture.png`;
  }
  if (version.featureNames && version.featureNames.length > 0) {
    const inputs = Object.fromEntries(version.featureNames.map((name, i) => [name, exampleValue(i)]));
    return `curl -X POST ${url} \\\n  -H 'content-type: application/json' \\\n  -d '${JSON.stringify({ inputs })}'`;
  }
  return `# Task "${version.task}" takes raw tensors: use the OIP endpoint below.`;
}

/** The curl for `POST /v2/models/{name}/infer` (Open Inference Protocol) with example tensors. */
export function oipCurl(origin: string, version: ModelVersion): string {
  const inputs = version.inputs.map((spec) => {
    const shape = concreteShape(spec);
    const count = shape.reduce((a, b) => a * b, 1);
    const data =
      count <= 16 ? Array.from({ length: count }, (_, i) => exampleValue(i)) : [`…${count} values`];
    return { name: spec.name, shape, datatype: spec.datatype, data };
  });
  return `curl -X POST ${origin}/v2/models/${version.model}/infer \\\n  -H 'content-type: application/json' \\\n  -d '${JSON.stringify({ inputs })}'`;
}
