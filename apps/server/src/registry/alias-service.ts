/**
 * Moving aliases: promote (set), traffic splits and shadows, rollback to the previous route, removal,
 * and the history of every move. Targets are prepared before the row changes; the row and its history
 * entry change in one transaction under the model's row lock.
 */
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { modelVersions } from '../db/schema.js';
import { ModelGardenError } from '../errors/model-garden-error.js';
import { type AliasRouteInput, normaliseRoute, routeVersions } from './alias-route.js';
import { aliasInfo, latestHistory, listHistory, readAlias, routeOfRow, writeAlias } from './alias-store.js';
import type { RegistryChange } from './changes.js';
import { lockModel } from './locks.js';
import { assertAliasName } from './names.js';
import { diffInputs } from './schema-diff.js';
import type { AliasHistoryEntry, AliasInfo, AliasRoute, ModelVersion } from './types.js';
import type { VersionReader } from './version-reader.js';

/** Loads and warms versions before an alias points at them (serving supplies it). */
export type PrepareTargets = (versions: ModelVersion[]) => Promise<void>;

export interface AliasMoveOptions {
  /** Allow a target whose inputs differ from the alias's current version. */
  force?: boolean | undefined;
  /** Who moved it; null until users exist. */
  actor?: string | null | undefined;
}

/** Compares routes by value (jsonb does not keep key order, so no JSON.stringify). */
const routeKey = (r: AliasRoute | null) =>
  r
    ? `${r.targets.map((t) => `${t.version}:${t.weight}`).join(',')}|${r.shadow ? `${r.shadow.version}:${r.shadow.percent}` : ''}`
    : 'none';
const sameRoute = (a: AliasRoute | null, b: AliasRoute | null) => routeKey(a) === routeKey(b);

export class AliasService {
  prepare: PrepareTargets = async () => {};

  constructor(
    private readonly db: Db,
    private readonly reads: VersionReader,
    private readonly emit: (change: RegistryChange) => void,
  ) {}

  /** Reads every version of a route, refusing archived ones. */
  private async versionsOf(name: string, route: AliasRoute): Promise<ModelVersion[]> {
    const versions = await Promise.all(routeVersions(route).map((v) => this.reads.getVersion(name, v)));
    const archived = versions.find((v) => v.archived);
    if (archived) {
      throw new ModelGardenError(
        'VERSION_ARCHIVED',
        `Model "${name}" version ${archived.version} is archived; restore it before pointing an alias at it`,
        { details: { model: name, version: archived.version } },
      );
    }
    return versions;
  }

  /** The schema check: every new target must take the same inputs as the alias's current version. */
  private async checkSchema(name: string, alias: string, route: AliasRoute, force: boolean): Promise<void> {
    if (force) return;
    const model = await this.reads.findModel(name);
    const current = await readAlias(this.db, model.id, alias);
    if (!current) return;
    const before = await this.reads.getVersion(name, current.version);
    for (const t of route.targets) {
      const after = await this.reads.getVersion(name, t.version);
      const diff = diffInputs(before, after);
      if (diff) {
        throw new ModelGardenError(
          'SCHEMA_CHANGE_NEEDS_FORCE',
          `Version ${t.version} takes different inputs than version ${before.version}, which "${alias}" points at; ` +
            'clients may break. Send force to move it anyway.',
          { details: { model: name, alias, from: before.version, to: t.version, diff } },
        );
      }
    }
  }

  /** Moves the alias in one transaction; `expectHistoryId` makes it fail if someone moved it meanwhile. */
  private async move(
    name: string,
    alias: string,
    to: AliasRoute | null,
    action: 'set' | 'rollback' | 'delete',
    options: AliasMoveOptions & { expectHistoryId?: number },
  ): Promise<AliasInfo | null> {
    const result = await this.db.transaction(async (tx) => {
      const model = await lockModel(tx, name);
      if (options.expectHistoryId !== undefined) {
        const latest = await latestHistory(tx, model.id, alias);
        if (latest?.id !== options.expectHistoryId) {
          throw new ModelGardenError('ALIAS_CONFLICT', `Alias "${alias}" moved meanwhile; try again`, {
            details: { model: name, alias },
          });
        }
      }
      if (to) {
        // A version deleted or archived since it was prepared must not become a target.
        const wanted = routeVersions(to);
        const live = await tx
          .select({ version: modelVersions.version })
          .from(modelVersions)
          .where(
            and(
              eq(modelVersions.modelId, model.id),
              inArray(modelVersions.version, wanted),
              isNull(modelVersions.archivedAt),
            ),
          );
        if (live.length !== wanted.length) {
          throw new ModelGardenError(
            'ALIAS_CONFLICT',
            `A target of "${alias}" was deleted or archived meanwhile`,
            {
              details: { model: name, alias },
            },
          );
        }
      }
      const current = await readAlias(tx, model.id, alias);
      const from = current ? routeOfRow(current) : null;
      if (!from && !to) {
        throw new ModelGardenError('ALIAS_NOT_FOUND', `Model "${name}" has no alias "${alias}"`, {
          details: { model: name, alias },
        });
      }
      if (sameRoute(from, to)) return { info: current ? aliasInfo(name, current) : null, changed: false };
      const row = await writeAlias(tx, {
        modelId: model.id,
        alias,
        from,
        to,
        action,
        actor: options.actor ?? null,
      });
      return { info: row ? aliasInfo(name, row) : null, changed: true };
    });
    if (result.changed) {
      this.emit({
        kind: 'alias',
        model: name,
        alias,
        version: to?.targets[0]?.version ?? null,
        versions: to ? routeVersions(to) : [],
      });
    }
    return result.info;
  }

  async set(
    name: string,
    alias: string,
    input: AliasRouteInput,
    options: AliasMoveOptions,
  ): Promise<AliasInfo> {
    assertAliasName(alias);
    const route = normaliseRoute(input);
    const versions = await this.versionsOf(name, route);
    await this.checkSchema(name, alias, route, options.force ?? false);
    await this.prepare(versions);
    return (await this.move(name, alias, route, 'set', options))!;
  }

  async rollback(name: string, alias: string, options: AliasMoveOptions): Promise<AliasInfo> {
    assertAliasName(alias);
    const model = await this.reads.findModel(name);
    const latest = await latestHistory(this.db, model.id, alias);
    const previous = latest?.fromRoute;
    if (!latest || !previous) {
      throw new ModelGardenError(
        'NO_ROLLBACK_TARGET',
        `Alias "${alias}" has no previous target to roll back to`,
        {
          details: { model: name, alias },
        },
      );
    }
    await this.prepare(await this.versionsOf(name, previous));
    return (await this.move(name, alias, previous, 'rollback', { ...options, expectHistoryId: latest.id }))!;
  }

  async remove(name: string, alias: string, options: AliasMoveOptions): Promise<void> {
    assertAliasName(alias);
    await this.move(name, alias, null, 'delete', options);
  }

  async history(name: string, alias: string, limit: number): Promise<AliasHistoryEntry[]> {
    assertAliasName(alias);
    const model = await this.reads.findModel(name);
    return listHistory(this.db, model, alias, limit);
  }
}
