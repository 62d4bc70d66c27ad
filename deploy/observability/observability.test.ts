/**
 * Validates deploy/observability against the real server: the Prometheus config, the alert rules, the
 * Grafana dashboard and its provisioning parse and have the structure Prometheus and Grafana expect;
 * every PromQL expression parses (the Prometheus project's own lezer grammar, plus checks of the
 * mistakes the grammar lets through: range functions on instant vectors, histogram_quantile without
 * `le`); and every metric and label they use exists in the `/metrics` exposition of a running server.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { INFERENCE_OUTCOMES } from '../../apps/server/src/observability/metrics.js';
import { startTestServer, type TestServer } from '../../apps/server/src/test-support/test-server.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

// ---------------------------------------------------------------------------------------------------
// The files under test
// ---------------------------------------------------------------------------------------------------

const HERE = import.meta.dirname;
const FILES = {
  prometheus: 'prometheus/prometheus.yml',
  alerts: 'prometheus/alerts.yml',
  dashboard: 'grafana/dashboards/modelgarden.json',
  datasource: 'grafana/provisioning/datasources/prometheus.yml',
  dashboardProvider: 'grafana/provisioning/dashboards/modelgarden.yml',
} as const;

async function loadYaml(rel: string): Promise<{ value: unknown; errors: string[] }> {
  const doc = parseDocument(await readFile(path.join(HERE, rel), 'utf8'), {
    prettyErrors: true,
    uniqueKeys: true,
  });
  return {
    value: doc.toJS(),
    errors: [...doc.errors, ...doc.warnings].map((e) => `${rel}: ${e.message}`),
  };
}

interface AlertRule {
  alert?: unknown;
  record?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}
interface RuleGroup {
  name?: unknown;
  rules?: AlertRule[];
}
interface Target {
  refId?: unknown;
  expr?: unknown;
  legendFormat?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
}
interface Panel {
  id?: unknown;
  type?: unknown;
  title?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Target[];
  panels?: Panel[];
}
interface TemplateVar {
  name?: unknown;
  type?: unknown;
  query?: unknown;
  definition?: unknown;
  datasource?: { type?: unknown; uid?: unknown };
  current?: { value?: unknown };
}
interface Dashboard {
  uid?: unknown;
  title?: unknown;
  schemaVersion?: unknown;
  templating?: { list?: TemplateVar[] };
  panels?: Panel[];
}
interface ScrapeConfig {
  job_name?: unknown;
  metrics_path?: unknown;
  scrape_interval?: unknown;
  static_configs?: Array<{ targets?: unknown[]; labels?: Record<string, string> }>;
}

const prometheusYaml = await loadYaml(FILES.prometheus);
const alertsYaml = await loadYaml(FILES.alerts);
const datasourceYaml = await loadYaml(FILES.datasource);
const providerYaml = await loadYaml(FILES.dashboardProvider);
const dashboardText = await readFile(path.join(HERE, FILES.dashboard), 'utf8');

const promConfig = prometheusYaml.value as {
  global?: Record<string, unknown>;
  rule_files?: unknown[];
  scrape_configs?: ScrapeConfig[];
};
const groups = ((alertsYaml.value as { groups?: RuleGroup[] } | null)?.groups ?? []) as RuleGroup[];
const rules = groups.flatMap((g) => (g.rules ?? []).map((rule) => ({ group: String(g.name), rule })));
const dashboard = JSON.parse(dashboardText) as Dashboard;
const allPanels = (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
const dataPanels = allPanels.filter((p) => p.type !== 'row');
const templateVars = dashboard.templating?.list ?? [];
const modelScrape = (promConfig.scrape_configs ?? []).find((s) => s.job_name === 'modelgarden');

// ---------------------------------------------------------------------------------------------------
// Every PromQL expression, with where it comes from
// ---------------------------------------------------------------------------------------------------

/** Grafana's built-in variables that may appear in a query, and `$__all`, the value of an "All" selection. */
const GRAFANA_BUILTINS = new Set([
  '__rate_interval',
  '__interval',
  '__interval_ms',
  '__range',
  '__range_s',
  '__range_ms',
  '__from',
  '__to',
  '__all',
]);
/** What the dashboard's panels and variables put as their datasource uid: the `datasource` variable. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a JS template.
const DATASOURCE_UID = '${datasource}';
const VARIABLE = /\$(?:\{(\w+)(?::\w+)?\}|(\w+))/g;

/**
 * Replaces Grafana's interval variables with a duration so the query parses as Prometheus will see
 * it; other variables (`$model`) may only appear inside label-matcher strings, where they are text.
 */
function substituteGrafanaVariables(expr: string): string {
  return expr.replace(
    /\$(?:\{__(?:rate_interval|interval|range)\}|__(?:rate_interval|interval|range)\b)/g,
    '5m',
  );
}

interface Expression {
  source: string;
  expr: string;
  /** `{{label}}` in a legend, `$labels.label` in an alert annotation: must be labels of the result. */
  templateLabels: string[];
  kind: 'rule' | 'dashboard';
}

const expressions: Expression[] = [
  ...rules.map(({ group, rule }) => ({
    source: `${FILES.alerts} ${group}/${String(rule.alert)}`,
    expr: String(rule.expr ?? ''),
    templateLabels: Object.values(rule.annotations ?? {}).flatMap((a) =>
      [...String(a).matchAll(/\$labels\.(\w+)/g)].map((m) => m[1] as string),
    ),
    kind: 'rule' as const,
  })),
  ...dataPanels.flatMap((panel) =>
    (panel.targets ?? []).map((t) => ({
      source: `${FILES.dashboard} panel "${String(panel.title)}" target ${String(t.refId)}`,
      expr: substituteGrafanaVariables(String(t.expr ?? '')),
      templateLabels: [...String(t.legendFormat ?? '').matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map(
        (m) => m[1] as string,
      ),
      kind: 'dashboard' as const,
    })),
  ),
  ...templateVars
    .filter((v) => v.type === 'query')
    .map((v) => {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(String(v.definition ?? ''));
      return {
        source: `${FILES.dashboard} variable $${String(v.name)}`,
        // label_values(selector, label) is Grafana's; the selector is PromQL and the label must exist.
        expr: m ? `count by (${m[2]}) (${m[1]})` : String(v.definition),
        templateLabels: [],
        kind: 'dashboard' as const,
      };
    }),
];

// ---------------------------------------------------------------------------------------------------
// PromQL analysis over the lezer syntax tree
// ---------------------------------------------------------------------------------------------------

interface Selector {
  metric: string | undefined;
  matchers: Array<{ label: string; op: string; value: string }>;
}
interface Analysis {
  syntaxErrors: string[];
  problems: string[];
  selectors: Selector[];
  groupingLabels: string[];
}

const RANGE_FUNCTIONS = new Set([
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'resets',
  'changes',
  'absent_over_time',
  'present_over_time',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'quantile_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'last_over_time',
]);

const text = (expr: string, node: SyntaxNode) => expr.slice(node.from, node.to);
const unquote = (s: string) => (/^(["'`])(.*)\1$/s.exec(s)?.[2] ?? s).replace(/\\(.)/g, '$1');

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const walk = (n: SyntaxNode) => {
    if (n.name === name) out.push(n);
    for (const c of childrenOf(n)) walk(c);
  };
  walk(node);
  return out;
}

/** The expressions passed to a function call, in order (FunctionCallBody nests the arguments). */
function functionArguments(call: SyntaxNode): SyntaxNode[] {
  const body = call.getChild('FunctionCallBody');
  return body ? childrenOf(body).filter((c) => !c.type.isError) : [];
}

function analyse(expr: string): Analysis {
  const tree = parser.parse(expr);
  const result: Analysis = { syntaxErrors: [], problems: [], selectors: [], groupingLabels: [] };
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        result.syntaxErrors.push(
          `syntax error at ${ref.from}: …${expr.slice(Math.max(0, ref.from - 20), ref.from)}⟨here⟩${expr.slice(ref.from, ref.from + 20)}…`,
        );
      }
    },
  });
  if (tree.topNode.name !== 'PromQL' || expr.trim() === '')
    result.syntaxErrors.push('not a PromQL expression');

  for (const vs of descendants(tree.topNode, 'VectorSelector')) {
    const selector: Selector = { metric: undefined, matchers: [] };
    const id = vs.getChild('Identifier');
    if (id) selector.metric = text(expr, id);
    for (const m of [...descendants(vs, 'UnquotedLabelMatcher'), ...descendants(vs, 'QuotedLabelMatcher')]) {
      const name = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
      const op = m.getChild('MatchOp');
      const value = m.getChild('StringLiteral');
      if (!name || !op || !value) continue;
      const label = unquote(text(expr, name));
      const v = unquote(text(expr, value));
      if (label === '__name__' && text(expr, op) === '=') selector.metric = v;
      else selector.matchers.push({ label, op: text(expr, op), value: v });
    }
    if (selector.metric === undefined)
      result.problems.push(`selector without a metric name: ${text(expr, vs)}`);
    result.selectors.push(selector);
  }

  for (const g of descendants(tree.topNode, 'GroupingLabels')) {
    for (const l of childrenOf(g)) if (!l.type.isError) result.groupingLabels.push(unquote(text(expr, l)));
  }

  for (const call of descendants(tree.topNode, 'FunctionCall')) {
    const ident = call.getChild('FunctionIdentifier');
    if (!ident) continue;
    const fn = text(expr, ident);
    const args = functionArguments(call);
    if (RANGE_FUNCTIONS.has(fn)) {
      const rangeArg =
        fn === 'predict_linear' || fn === 'quantile_over_time'
          ? args.find((a) => a.name !== 'NumberDurationLiteral')
          : args[0];
      if (!rangeArg || (rangeArg.name !== 'MatrixSelector' && rangeArg.name !== 'SubqueryExpr')) {
        result.problems.push(
          `${fn}() needs a range vector ([5m]), got: ${rangeArg ? text(expr, rangeArg) : 'nothing'}`,
        );
      }
    }
    if (fn === 'histogram_quantile') {
      const [phi, inner] = args;
      const q = phi ? Number(text(expr, phi)) : Number.NaN;
      if (!(q >= 0 && q <= 1))
        result.problems.push(`histogram_quantile φ must be in [0, 1]: ${phi ? text(expr, phi) : ''}`);
      if (!inner) {
        result.problems.push('histogram_quantile without a histogram');
        continue;
      }
      for (const vs of descendants(inner, 'VectorSelector')) {
        const id = vs.getChild('Identifier');
        if (id && !text(expr, id).endsWith('_bucket'))
          result.problems.push(`histogram_quantile over a series that is not a _bucket: ${text(expr, id)}`);
      }
      // An aggregation must keep `le`, or the buckets collapse into one number.
      const agg = inner.name === 'AggregateExpr' ? inner : undefined;
      const modifier = agg?.getChild('AggregateModifier');
      if (agg) {
        const labels = modifier?.getChild('GroupingLabels');
        const names = labels ? childrenOf(labels).map((l) => text(expr, l)) : [];
        const keepsLe = modifier?.getChild('By') ? names.includes('le') : !names.includes('le');
        if (!modifier?.getChild('By') && !modifier?.getChild('Without'))
          result.problems.push(
            `histogram_quantile over an aggregation without "by (le)": ${text(expr, inner)}`,
          );
        else if (!keepsLe)
          result.problems.push(`histogram_quantile aggregation drops "le": ${text(expr, inner)}`);
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// The exposition of a running server
// ---------------------------------------------------------------------------------------------------

interface MetricFamily {
  type: string;
  labels: Set<string>;
  samples: number;
}

/**
 * Series Prometheus makes itself for every scrape target: not in /metrics, but real. `up` is 1 when
 * the scrape succeeded.
 */
const PROMETHEUS_SYNTHETIC: Record<string, MetricFamily> = {
  up: { type: 'gauge', labels: new Set(), samples: 0 },
};

function parseExposition(body: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  for (const line of body.split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (type) families.set(type[1] as string, { type: type[2] as string, labels: new Set(), samples: 0 });
  }
  for (const line of body.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/.exec(line);
    if (!sample) throw new Error(`unparseable exposition line: ${line}`);
    const family = resolveFamily(families, sample[1] as string)?.family;
    if (!family) throw new Error(`sample without a # TYPE line: ${line}`);
    family.samples++;
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)) {
      // `le` belongs to the _bucket series only; it is added back for selectors of those.
      if (m[1] !== 'le') family.labels.add(m[1] as string);
    }
  }
  return families;
}

/** The family a series name belongs to: itself, or a histogram's (summary's) _bucket/_sum/_count. */
function resolveFamily(
  families: Map<string, MetricFamily>,
  name: string,
): { name: string; family: MetricFamily } | undefined {
  const own = families.get(name);
  if (own) return { name, family: own };
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m ? families.get(m[1] as string) : undefined;
  if (m && base && (base.type === 'histogram' || (base.type === 'summary' && m[2] !== 'bucket'))) {
    return { name: m[1] as string, family: base };
  }
  return undefined;
}

interface MetricCheck {
  unknownMetrics: string[];
  unknownLabels: string[];
  badValues: string[];
  metrics: string[];
}

/** Checks one analysed expression against the exported families; the heart of the test. */
function checkAgainstExposition(
  e: Expression,
  a: Analysis,
  families: Map<string, MetricFamily>,
  targetLabels: Set<string>,
  jobs: Set<string>,
): MetricCheck {
  const out: MetricCheck = { unknownMetrics: [], unknownLabels: [], badValues: [], metrics: [] };
  const resultLabels = new Set(targetLabels);
  for (const s of a.selectors) {
    if (s.metric === undefined) continue;
    const resolved = resolveFamily(families, s.metric);
    if (!resolved) {
      out.unknownMetrics.push(`${e.source}: metric "${s.metric}" is not exported by /metrics`);
      continue;
    }
    out.metrics.push(resolved.name);
    const labels = new Set([...targetLabels, ...resolved.family.labels]);
    if (s.metric.endsWith('_bucket')) labels.add('le');
    for (const l of labels) resultLabels.add(l);
    for (const m of s.matchers) {
      if (!labels.has(m.label)) {
        out.unknownLabels.push(
          `${e.source}: ${s.metric} has no label "${m.label}" (has ${[...labels].join(', ')})`,
        );
      }
      if (m.value.includes('$')) continue; // a Grafana variable, checked separately
      const alternatives = m.op === '=~' || m.op === '!~' ? m.value.split('|') : [m.value];
      const allowed: Record<string, (v: string) => boolean> = {
        outcome: (v) => (INFERENCE_OUTCOMES as readonly string[]).includes(v),
        http_response_status_class: (v) => /^[1-5]xx$/.test(v),
        job: (v) => jobs.has(v),
      };
      const ok = allowed[m.label];
      for (const v of alternatives) {
        if (ok && !ok(v)) out.badValues.push(`${e.source}: ${m.label}${m.op}"${v}" can never match`);
      }
    }
  }
  for (const l of [...a.groupingLabels, ...e.templateLabels]) {
    if (!resultLabels.has(l)) {
      out.unknownLabels.push(
        `${e.source}: label "${l}" is not a label of ${out.metrics.join(', ') || 'any metric'}`,
      );
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------------

describe('deploy/observability files parse', () => {
  it('YAML files parse without errors or duplicate keys', () => {
    expect([
      ...prometheusYaml.errors,
      ...alertsYaml.errors,
      ...datasourceYaml.errors,
      ...providerYaml.errors,
    ]).toEqual([]);
  });

  it('the dashboard is a JSON object', () => {
    expect(dashboard).toBeTypeOf('object');
    expect(Array.isArray(dashboard.panels)).toBe(true);
  });
});

describe('prometheus.yml', () => {
  it('scrapes Model Garden at app:8080/metrics every 15 s', () => {
    expect(promConfig.global?.scrape_interval).toBe('15s');
    expect(promConfig.global?.evaluation_interval).toBe('15s');
    expect(modelScrape, 'a scrape config with job_name: modelgarden').toBeDefined();
    expect(modelScrape?.metrics_path).toBe('/metrics');
    expect(modelScrape?.scrape_interval).toBe('15s');
    expect((modelScrape?.static_configs ?? []).flatMap((s) => s.targets ?? [])).toContain('app:8080');
    const jobNames = (promConfig.scrape_configs ?? []).map((s) => s.job_name);
    expect(new Set(jobNames).size).toBe(jobNames.length);
  });

  it('loads the alert rules from a file next to it', async () => {
    expect(promConfig.rule_files).toEqual(['alerts.yml']);
    for (const f of promConfig.rule_files ?? []) {
      // Relative rule_files resolve against the config file's directory.
      await expect(readFile(path.join(HERE, 'prometheus', String(f)), 'utf8')).resolves.toContain('groups:');
    }
  });
});

describe('alerts.yml', () => {
  const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

  it('has rule groups with unique names and alerts with unique names', () => {
    expect(groups.length).toBeGreaterThan(0);
    const groupNames = groups.map((g) => g.name);
    expect(new Set(groupNames).size).toBe(groupNames.length);
    const alertNames = rules.map(({ rule }) => rule.alert);
    expect(new Set(alertNames).size).toBe(alertNames.length);
  });

  it('every alert rule has expr, for, labels.severity, annotations (summary, description, runbook)', () => {
    const problems: string[] = [];
    for (const { group, rule } of rules) {
      const where = `${group}/${String(rule.alert ?? rule.record)}`;
      const keys = Object.keys(rule).filter(
        (k) => !['alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'].includes(k),
      );
      if (keys.length) problems.push(`${where}: unknown keys ${keys.join(', ')}`);
      if (typeof rule.alert !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(rule.alert))
        problems.push(`${where}: alert must be a CamelCase name`);
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push(`${where}: no expr`);
      if (typeof rule.for !== 'string' || !DURATION.test(rule.for))
        problems.push(`${where}: for must be a duration`);
      if (!['critical', 'warning', 'info'].includes(String(rule.labels?.severity)))
        problems.push(`${where}: labels.severity must be critical, warning or info`);
      for (const a of ['summary', 'description', 'runbook']) {
        const value = rule.annotations?.[a];
        if (typeof value !== 'string' || value.trim() === '') problems.push(`${where}: no annotations.${a}`);
        else if (value.split('{{').length !== value.split('}}').length)
          problems.push(`${where}: unbalanced {{ }} in annotations.${a}`);
      }
      if (!/\$value|\$labels\./.test(String(rule.annotations?.description)))
        problems.push(`${where}: description should template the value or labels that fired`);
    }
    expect(problems).toEqual([]);
  });
});

describe('Grafana dashboard and provisioning', () => {
  it('is a schemaVersion 39+ dashboard with a stable uid', () => {
    expect(dashboard.uid).toBe('modelgarden');
    expect(typeof dashboard.title).toBe('string');
    expect(Number(dashboard.schemaVersion)).toBeGreaterThanOrEqual(39);
  });

  it('has a prometheus datasource variable and a model variable from label_values', () => {
    const ds = templateVars.find((v) => v.name === 'datasource');
    expect(ds?.type).toBe('datasource');
    expect(ds?.query).toBe('prometheus');
    const model = templateVars.find((v) => v.name === 'model');
    expect(model?.type).toBe('query');
    expect(model?.definition).toBe('label_values(modelgarden_inference_requests_total, model)');
    expect(model?.datasource?.uid).toBe(DATASOURCE_UID);
  });

  it('every panel has a unique id, a title, a datasource and targets with an expr', () => {
    const ids = allPanels.map((p) => p.id);
    expect(ids.every((id) => Number.isInteger(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const problems: string[] = [];
    for (const p of allPanels) {
      const where = `panel ${String(p.id)} "${String(p.title)}"`;
      if (typeof p.title !== 'string' || p.title.trim() === '') problems.push(`${where}: no title`);
      if (p.type === 'row') {
        if (p.targets?.length) problems.push(`${where}: a row has no queries`);
        continue;
      }
      if (p.datasource?.type !== 'prometheus' || p.datasource.uid !== DATASOURCE_UID)
        problems.push(`${where}: datasource must be the prometheus $datasource variable`);
      if (!p.targets?.length) problems.push(`${where}: no targets`);
      const refIds = (p.targets ?? []).map((t) => t.refId);
      if (new Set(refIds).size !== refIds.length) problems.push(`${where}: duplicate refIds`);
      for (const t of p.targets ?? []) {
        if (typeof t.expr !== 'string' || t.expr.trim() === '')
          problems.push(`${where} ${String(t.refId)}: no expr`);
        if (t.datasource && t.datasource.uid !== DATASOURCE_UID)
          problems.push(`${where} ${String(t.refId)}: target datasource is not $datasource`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('panels fit the 24-column grid without overlapping', () => {
    const cells = new Map<string, string>();
    const problems: string[] = [];
    for (const p of allPanels) {
      const g = p.gridPos;
      if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1 || g.y < 0) {
        problems.push(`panel ${String(p.id)}: bad gridPos ${JSON.stringify(g)}`);
        continue;
      }
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const other = cells.get(`${x},${y}`);
          if (other !== undefined) problems.push(`panel ${String(p.id)} overlaps panel ${other}`);
          cells.set(`${x},${y}`, String(p.id));
        }
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  });

  it('uses only variables it defines', () => {
    const defined = new Set([...templateVars.map((v) => String(v.name)), ...GRAFANA_BUILTINS]);
    const used = [...dashboardText.matchAll(VARIABLE)].map((m) => (m[1] ?? m[2]) as string);
    expect(used.filter((v) => !defined.has(v))).toEqual([]);
  });

  it('provisioning points Grafana at the Prometheus service and the mounted dashboards folder', () => {
    const ds = (
      datasourceYaml.value as { apiVersion?: unknown; datasources?: Array<Record<string, unknown>> }
    )?.datasources?.[0];
    expect((datasourceYaml.value as { apiVersion?: unknown }).apiVersion).toBe(1);
    expect(ds?.type).toBe('prometheus');
    expect(ds?.url).toBe('http://prometheus:9090');
    // The dashboard's datasource variable defaults to this uid.
    expect(templateVars.find((v) => v.name === 'datasource')?.current?.value).toBe(ds?.uid);
    const provider = (
      providerYaml.value as {
        apiVersion?: unknown;
        providers?: Array<{ type?: unknown; options?: { path?: unknown } }>;
      }
    )?.providers?.[0];
    expect((providerYaml.value as { apiVersion?: unknown }).apiVersion).toBe(1);
    expect(provider?.type).toBe('file');
    expect(provider?.options?.path).toBe('/var/lib/grafana/dashboards');
  });
});

describe('PromQL syntax', () => {
  it('found the expressions of every rule, panel target and query variable', () => {
    expect(expressions.filter((e) => e.kind === 'rule').length).toBe(rules.length);
    expect(expressions.filter((e) => e.kind === 'dashboard').length).toBeGreaterThan(dataPanels.length);
  });

  it.each(expressions.map((e) => [e.source, e] as const))('%s parses', (_source, e) => {
    const a = analyse(e.expr);
    expect(a.syntaxErrors, e.expr).toEqual([]);
    expect(a.problems, e.expr).toEqual([]);
    expect(a.selectors.length, e.expr).toBeGreaterThan(0);
  });

  it('the analyser rejects what it should (so the checks above are not vacuous)', () => {
    expect(analyse('sum(rate(foo_total[5m]) by (a)').syntaxErrors).not.toEqual([]);
    expect(analyse('rate(foo_total)').problems).not.toEqual([]);
    expect(analyse('histogram_quantile(0.99, sum by (model) (rate(x_bucket[5m])))').problems).not.toEqual([]);
    expect(analyse('histogram_quantile(0.99, sum(rate(x_bucket[5m])))').problems).not.toEqual([]);
    expect(analyse('histogram_quantile(99, rate(x_bucket[5m]))').problems).not.toEqual([]);
    expect(analyse('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))').problems).toEqual([]);
  });
});

describe('every metric and label exists in the /metrics of a running server', () => {
  const SETOSA = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 };
  let server: TestServer;
  let families: Map<string, MetricFamily>;
  const predictStatuses: number[] = [];
  const targetLabels = new Set([
    'job',
    'instance',
    ...(modelScrape?.static_configs ?? []).flatMap((s) => Object.keys(s.labels ?? {})),
  ]);
  const jobs = new Set((promConfig.scrape_configs ?? []).map((s) => String(s.job_name)));

  beforeAll(async () => {
    server = await startTestServer();
    await server.ready;
    // A few predictions (and one bad request) so the labelled inference series have samples.
    for (let i = 0; i < 3; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/models/iris/predict',
        payload: { inputs: SETOSA },
      });
      predictStatuses.push(res.statusCode);
    }
    await server.app.inject({ method: 'POST', url: '/api/models/iris/predict', payload: { inputs: {} } });
    const res = await server.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    // `# TYPE` lines count, so a metric without samples yet still exists.
    families = parseExposition(res.body);
    // Label names a metric declares (prom-client keeps them on the metric object) count even before
    // a sample carries them.
    for (const metric of server.context.metrics.registry.getMetricsAsArray()) {
      const declared = (metric as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
      for (const l of declared) families.get(metric.name)?.labels.add(l);
    }
    for (const [name, family] of Object.entries(PROMETHEUS_SYNTHETIC)) families.set(name, family);
  });
  afterAll(() => server?.close());

  it('the predictions that feed the inference series succeed', () => {
    expect(predictStatuses).toEqual([200, 200, 200]);
  });

  it('the exposition has the families the dashboard is built on', () => {
    for (const name of [
      'http_server_request_duration_seconds',
      'modelgarden_inference_requests_total',
      'modelgarden_inference_request_duration_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(families.get(name), name).toBeDefined();
    }
    expect(families.get('http_server_request_duration_seconds')?.type).toBe('histogram');
  });

  it('every metric in the rules and the dashboard is exported, with the labels they use', () => {
    const unknownMetrics: string[] = [];
    const unknownLabels: string[] = [];
    const badValues: string[] = [];
    for (const e of expressions) {
      const check = checkAgainstExposition(e, analyse(e.expr), families, targetLabels, jobs);
      unknownMetrics.push(...check.unknownMetrics);
      unknownLabels.push(...check.unknownLabels);
      badValues.push(...check.badValues);
    }
    expect({ unknownMetrics, unknownLabels, badValues }).toEqual({
      unknownMetrics: [],
      unknownLabels: [],
      badValues: [],
    });
  });

  it('the dashboard and the rules cover what the issue asks for', () => {
    const used = (kind: Expression['kind']) =>
      new Set(
        expressions
          .filter((e) => e.kind === kind)
          .flatMap((e) => checkAgainstExposition(e, analyse(e.expr), families, targetLabels, jobs).metrics),
      );
    const inRules = used('rule');
    for (const m of [
      'up',
      'http_server_request_duration_seconds',
      'modelgarden_inference_requests_total',
      'modelgarden_inference_request_duration_seconds',
      'modelgarden_inference_pending_requests',
      'modelgarden_drift_psi',
      'modelgarden_prediction_log_dropped_total',
    ]) {
      expect(inRules.has(m), `an alert rule on ${m}`).toBe(true);
    }
    const inDashboard = used('dashboard');
    for (const m of [
      'modelgarden_inference_requests_total',
      'modelgarden_inference_request_duration_seconds',
      'modelgarden_inference_queue_duration_seconds',
      'modelgarden_inference_compute_duration_seconds',
      'modelgarden_inference_batch_size',
      'modelgarden_inference_executions_total',
      'modelgarden_inference_pending_requests',
      'modelgarden_models_loaded',
      'modelgarden_drift_psi',
      'modelgarden_prediction_log_dropped_total',
      'http_server_request_duration_seconds',
      'http_server_active_requests',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(inDashboard.has(m), `a dashboard panel on ${m}`).toBe(true);
    }
  });

  it('a metric the server does not export is reported (the check is not vacuous)', () => {
    const bogus: Expression = {
      source: 'self-test',
      expr: 'sum by (model) (rate(modelgarden_inference_bogus_total{outcome="sucess"}[5m])) + modelgarden_inference_batch_size_bucket{nope="x"}',
      templateLabels: ['model'],
      kind: 'rule',
    };
    const check = checkAgainstExposition(bogus, analyse(bogus.expr), families, targetLabels, jobs);
    expect(check.unknownMetrics).toEqual([
      'self-test: metric "modelgarden_inference_bogus_total" is not exported by /metrics',
    ]);
    expect(check.unknownLabels.some((l) => l.includes('"nope"'))).toBe(true);
    const typo: Expression = {
      ...bogus,
      expr: 'rate(modelgarden_inference_requests_total{outcome="sucess"}[5m])',
    };
    expect(
      checkAgainstExposition(typo, analyse(typo.expr), families, targetLabels, jobs).badValues,
    ).toHaveLength(1);
  });
});
