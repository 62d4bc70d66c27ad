/** Helpers for the models-as-tools suites (tool loop, MCP): JSON calls with a key, and pushing iris. */
import { readFile } from 'node:fs/promises';
import { IRIS_ONNX, multipart } from './test-server.js';

export const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };

/** A request with a Bearer key: JSON bodies, or a Buffer (multipart) with its headers; throws unless 2xx. */
export async function apiCall(
  url: string,
  method: string,
  path: string,
  key: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body instanceof Buffer ? headers : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: body instanceof Buffer ? body : JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Pushes the iris model as `name` (created first with its visibility and a description). */
export async function pushIris(url: string, name: string, key: string, visibility: 'public' | 'team') {
  await apiCall(url, 'POST', '/api/models', key, { name, visibility, description: `${name}: iris species` });
  const form = multipart([
    { name: 'file', filename: 'iris.onnx', data: await readFile(IRIS_ONNX) },
    {
      name: 'metadata',
      data: JSON.stringify({
        task: 'tabular-classification',
        labels: ['setosa', 'versicolor', 'virginica'],
        featureNames: Object.keys(SETOSA),
      }),
    },
  ]);
  await apiCall(url, 'POST', `/api/models/${name}/versions`, key, form.payload, form.headers);
}

/** Creates members `alice` (team red) and `bob` (team blue), each with a key of these scopes. */
export async function twoTeams(
  url: string,
  adminKey: string,
  scopes: string[],
): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [name, team] of [
    ['alice', 'red'],
    ['bob', 'blue'],
  ] as const) {
    await apiCall(url, 'POST', '/api/users', adminKey, {
      name,
      role: 'member',
      team,
      password: 'a-long-enough-password-1',
    });
    keys[name] = (
      (await apiCall(url, 'POST', '/api/keys', adminKey, { name: 'k', scopes, user: name })) as {
        key: string;
      }
    ).key;
  }
  return keys;
}
