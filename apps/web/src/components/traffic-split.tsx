// An alias's traffic: the versions it splits requests over (weights, configured and live share), its
// shadow, and the moves a canary needs: start or change the split, promote the canary, end the split.

import type { AliasInfo, AliasTarget, ModelDetail, ShadowTarget } from '@modelgarden/sdk';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { ApiError } from '../api/api-error';
import { type LiveRequests, useLiveRequests } from '../api/live-requests';
import { queryKeys } from '../api/queries';
import { type RouteChange, trafficApi } from '../api/traffic';
import { Button } from './button';
import { ErrorAlert } from './error-alert';
import { selectClass } from './field';
import { TableHead } from './table-head';

const percent = (part: number, whole: number) =>
  whole > 0 ? `${Math.round((part / whole) * 1000) / 10}%` : '—';

interface Draft {
  targets: Array<{ version: number; weight: string }>;
  shadow: { version: number; percent: string } | null;
}

const draftOf = (route: AliasInfo): Draft => ({
  targets: route.targets.map((t) => ({ version: t.version, weight: String(t.weight) })),
  shadow: route.shadow ? { version: route.shadow.version, percent: String(route.shadow.percent) } : null,
});

function routeOf(draft: Draft): { targets: AliasTarget[]; shadow: ShadowTarget | null } | null {
  const targets = draft.targets.map((t) => ({ version: t.version, weight: Number(t.weight) }));
  if (targets.some((t) => !(t.weight > 0))) return null;
  const shadow = draft.shadow
    ? { version: draft.shadow.version, percent: Number(draft.shadow.percent) }
    : null;
  if (shadow && !(shadow.percent > 0 && shadow.percent <= 100)) return null;
  return { targets, shadow };
}

function LiveShare({ live, version, targets }: { live: LiveRequests; version: number; targets: number[] }) {
  if (!live.counts) return <span className="text-slate-400">—</span>;
  const served = targets.reduce((sum, v) => sum + (live.counts?.[v] ?? 0), 0);
  const mine = live.counts[version] ?? 0;
  return (
    <span data-testid={`live-share-v${version}`}>
      {percent(mine, served)} <span className="text-slate-500">({mine})</span>
    </span>
  );
}

function RouteEditor({ model, route }: { model: ModelDetail; route: AliasInfo }) {
  const client = useQueryClient();
  const live = useLiveRequests(model.name, route.targets.length > 1 || route.shadow !== null);
  const [draft, setDraft] = useState(() => draftOf(route));
  // A move made elsewhere (promote, rollback, another user) replaces the draft.
  const [shown, setShown] = useState(route.updatedAt);
  if (shown !== route.updatedAt) {
    setShown(route.updatedAt);
    setDraft(draftOf(route));
  }
  const [adding, setAdding] = useState<string>('');
  const move = useMutation<AliasInfo, ApiError, RouteChange & { what: string }>({
    mutationFn: ({ what: _what, ...change }) => trafficApi.setRoute(model.name, route.alias, change),
    onSuccess: (saved) => {
      setDraft(draftOf(saved));
      live.restart();
      return client.invalidateQueries({ queryKey: queryKeys.models });
    },
  });
  const servable = model.versions.filter((v) => v.status === 'ready' && !v.archived);
  const inDraft = new Set(draft.targets.map((t) => t.version));
  const addable = servable.filter((v) => !inDraft.has(v.version));
  const shadowable = servable.filter((v) => !inDraft.has(v.version));
  const weights = draft.targets.map((t) => Number(t.weight) || 0);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const primary = route.version;
  const liveTargets = route.targets.map((t) => t.version);
  const proposed = routeOf(draft);
  const needsForce = move.error?.code === 'SCHEMA_CHANGE_NEEDS_FORCE';
  const alias = route.alias;

  const setWeight = (version: number, weight: string) =>
    setDraft({ ...draft, targets: draft.targets.map((t) => (t.version === version ? { ...t, weight } : t)) });

  function save(event?: FormEvent, force = false) {
    event?.preventDefault();
    if (proposed) move.mutate({ ...proposed, force: force || undefined, what: 'save' });
  }

  const promote = (version: number) =>
    move.mutate({
      targets: [{ version, weight: 100 }],
      shadow: route.shadow?.version === version ? null : route.shadow,
      what: `promote v${version}`,
    });
  const endSplit = () =>
    move.mutate({
      targets: [{ version: primary, weight: 100 }],
      shadow: route.shadow,
      what: 'end the split',
    });

  return (
    <form onSubmit={save} className="space-y-4" aria-label={`Traffic of ${alias}`}>
      <div className="-mx-5 overflow-x-auto">
        <table className="min-w-full text-left text-sm" aria-label={`Versions behind ${alias}`}>
          <TableHead
            columns={['Version', 'Weight', 'Share', 'Live share', { label: 'Actions', hidden: true }]}
          />
          <tbody className="divide-y divide-slate-100">
            {draft.targets.map((t, i) => (
              <tr key={t.version} data-testid="split-row">
                <td className="px-5 py-2 font-semibold">
                  v{t.version}
                  {t.version === primary && (
                    <span className="ml-2 text-xs font-normal text-slate-500">primary</span>
                  )}
                </td>
                <td className="px-3 py-2">
                  <input
                    type="number"
                    min={1}
                    step="any"
                    aria-label={`Weight of v${t.version}`}
                    value={t.weight}
                    onChange={(e) => setWeight(t.version, e.target.value)}
                    className="w-24 rounded-md border border-slate-300 px-2 py-1"
                  />
                </td>
                <td className="px-3 py-2" data-testid={`share-v${t.version}`}>
                  {percent(weights[i] ?? 0, totalWeight)}
                </td>
                <td className="px-3 py-2">
                  {liveTargets.includes(t.version) ? (
                    <LiveShare live={live} version={t.version} targets={liveTargets} />
                  ) : (
                    <span className="text-slate-400">not saved</span>
                  )}
                </td>
                <td className="px-5 py-2 text-right whitespace-nowrap">
                  {route.targets.length > 1 && t.version !== primary && liveTargets.includes(t.version) && (
                    <Button variant="secondary" disabled={move.isPending} onClick={() => promote(t.version)}>
                      Promote v{t.version}
                    </Button>
                  )}
                  {draft.targets.length > 1 && (
                    <Button
                      variant="ghost"
                      onClick={() => setDraft({ ...draft, targets: draft.targets.filter((x) => x !== t) })}
                    >
                      Remove v{t.version}
                    </Button>
                  )}
                </td>
              </tr>
            ))}
            {draft.shadow && (
              <tr data-testid="shadow-row">
                <td className="px-5 py-2 font-semibold">
                  v{draft.shadow.version}{' '}
                  <span className="ml-2 text-xs font-normal text-slate-500">shadow</span>
                </td>
                <td className="px-3 py-2" colSpan={2}>
                  <label className="text-sm text-slate-600">
                    Shadow percent{' '}
                    <input
                      type="number"
                      min={1}
                      max={100}
                      step="any"
                      value={draft.shadow.percent}
                      onChange={(e) =>
                        draft.shadow &&
                        setDraft({ ...draft, shadow: { ...draft.shadow, percent: e.target.value } })
                      }
                      className="ml-1 w-20 rounded-md border border-slate-300 px-2 py-1"
                    />
                  </label>
                </td>
                <td className="px-3 py-2 text-slate-600" data-testid="shadow-copies">
                  {route.shadow?.version === draft.shadow.version && live.counts
                    ? `${live.counts[draft.shadow.version] ?? 0} copies`
                    : '—'}
                </td>
                <td className="px-5 py-2 text-right">
                  <Button variant="ghost" onClick={() => setDraft({ ...draft, shadow: null })}>
                    Remove shadow
                  </Button>
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>

      <div className="flex flex-wrap items-end gap-4">
        {addable.length > 0 && draft.targets.length < 4 && (
          <div className="flex items-end gap-2">
            <label className="text-sm font-medium text-slate-700">
              Add a version to the split
              <select value={adding} onChange={(e) => setAdding(e.target.value)} className={selectClass}>
                <option value="">Choose…</option>
                {addable.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
            </label>
            <Button
              variant="secondary"
              disabled={adding === ''}
              onClick={() => {
                setDraft({
                  ...draft,
                  targets: [...draft.targets, { version: Number(adding), weight: '10' }],
                });
                setAdding('');
              }}
            >
              Add to split
            </Button>
          </div>
        )}
        {!draft.shadow && shadowable.length > 0 && (
          <label className="text-sm font-medium text-slate-700">
            Shadow version
            <select
              value=""
              onChange={(e) =>
                e.target.value &&
                setDraft({ ...draft, shadow: { version: Number(e.target.value), percent: '100' } })
              }
              className={selectClass}
            >
              <option value="">None</option>
              {shadowable.map((v) => (
                <option key={v.version} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>

      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" disabled={!proposed || move.isPending}>
          {move.isPending ? 'Saving…' : 'Save traffic'}
        </Button>
        {route.targets.length > 1 && (
          <Button variant="secondary" disabled={move.isPending} onClick={endSplit}>
            End split (all to v{primary})
          </Button>
        )}
        {!proposed && (
          <span className="text-sm text-red-700">Weights must be above 0; a shadow takes 1–100%.</span>
        )}
      </div>
      <p className="text-xs text-slate-500" data-testid="live-since">
        {live.error
          ? `Live share unavailable: ${live.error.message}`
          : route.targets.length === 1 && route.shadow === null
            ? `All of ${alias}'s traffic goes to v${primary}; a live share shows once it is split or shadowed.`
            : live.counts
              ? `Live share: the requests each version served since this page opened or the traffic last changed (${liveTargets.reduce((s, v) => s + (live.counts?.[v] ?? 0), 0)} requests).`
              : 'Reading the live share…'}
      </p>

      {move.isError && (
        <div className="space-y-2">
          <ErrorAlert error={move.error} title={`Could not ${move.variables?.what ?? 'save'} for ${alias}`} />
          {needsForce && (
            <Button variant="danger" onClick={() => save(undefined, true)}>
              Save anyway (inputs differ)
            </Button>
          )}
        </div>
      )}
      {move.isSuccess && (
        <output className="block text-sm text-emerald-700">
          {alias} now sends{' '}
          {move.data.targets
            .map(
              (t) =>
                `${percent(
                  t.weight,
                  move.data.targets.reduce((s, x) => s + x.weight, 0),
                )} to v${t.version}`,
            )
            .join(', ')}
          {move.data.shadow ? ` and copies ${move.data.shadow.percent}% to v${move.data.shadow.version}` : ''}
          .
        </output>
      )}
    </form>
  );
}

/** The traffic card's body: pick an alias, then edit its route. */
export function TrafficSplit({ model }: { model: ModelDetail }) {
  const routes = model.routes ?? [];
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const route =
    routes.find((r) => r.alias === chosen) ?? routes.find((r) => r.alias === 'production') ?? routes[0];
  if (!route) {
    return <p className="text-sm text-slate-500">No alias yet: promote a version to production first.</p>;
  }
  return (
    <div className="space-y-4" data-testid="traffic-split">
      {routes.length > 1 && (
        <label className="block text-sm font-medium text-slate-700">
          Alias
          <select value={route.alias} onChange={(e) => setChosen(e.target.value)} className={selectClass}>
            {routes.map((r) => (
              <option key={r.alias} value={r.alias}>
                {r.alias}
              </option>
            ))}
          </select>
        </label>
      )}
      <RouteEditor key={route.alias} model={model} route={route} />
    </div>
  );
}
