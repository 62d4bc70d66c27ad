/**
 * Alias routes: validating what a client asks an alias to point at, and picking a target per request
 * (weighted random, so a 90/10 split sends about 10 % of requests to the second version).
 */
import { ModelGardenError } from '../errors/model-garden-error.js';
import type { AliasRoute, AliasTarget, ShadowTarget } from './types.js';

/** What a client may send: one version, or weighted targets; optionally a shadow. */
export interface AliasRouteInput {
  version?: number | undefined;
  targets?: AliasTarget[] | undefined;
  shadow?: { version: number; percent?: number | undefined } | null | undefined;
}

const bad = (message: string) => new ModelGardenError('INVALID_ALIAS_ROUTE', message);

/** Checks and normalises a route: exactly one of version/targets, distinct versions, positive weights. */
export function normaliseRoute(input: AliasRouteInput): AliasRoute {
  if ((input.version === undefined) === (input.targets === undefined)) {
    throw bad('Give either "version" or "targets" (a traffic split), not both or neither');
  }
  const targets = input.targets ?? [{ version: input.version!, weight: 100 }];
  if (targets.length === 0 || targets.length > 4) throw bad('A split has 1 to 4 targets');
  const versions = new Set(targets.map((t) => t.version));
  if (versions.size !== targets.length) throw bad('A version appears twice in "targets"');
  for (const t of targets) {
    if (!Number.isInteger(t.version) || t.version < 1) throw bad(`Invalid target version ${t.version}`);
    if (!(t.weight > 0) || !Number.isFinite(t.weight))
      throw bad(`Target ${t.version} needs a positive weight`);
  }
  let shadow: ShadowTarget | null = null;
  if (input.shadow) {
    const percent = input.shadow.percent ?? 100;
    if (!(percent > 0 && percent <= 100)) throw bad('The shadow percent must be in (0, 100]');
    if (versions.has(input.shadow.version)) throw bad('The shadow version cannot also be a target');
    shadow = { version: input.shadow.version, percent };
  }
  return { targets: targets.map((t) => ({ version: t.version, weight: t.weight })), shadow };
}

/** Every version a route refers to (targets, then the shadow). */
export function routeVersions(route: AliasRoute): number[] {
  return [...route.targets.map((t) => t.version), ...(route.shadow ? [route.shadow.version] : [])];
}

/** Picks one entry by weight; `random` returns [0, 1) like Math.random. */
export function pickWeighted<T extends { weight: number }>(entries: T[], random: () => number): T {
  const total = entries.reduce((sum, e) => sum + e.weight, 0);
  let r = random() * total;
  for (const e of entries) {
    r -= e.weight;
    if (r < 0) return e;
  }
  return entries[entries.length - 1]!;
}
