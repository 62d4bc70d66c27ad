/**
 * Renders the Helm chart here, without the helm binary: a small Go-template subset (documented in
 * docs/deploy/helm.md) that the chart's templates keep to. Anything outside the subset throws.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; expr: string }
  | { kind: 'if' | 'with'; expr: string; yes: Node[]; no: Node[] };

interface Scope {
  dot: unknown;
  root: unknown;
  defines: Map<string, Node[]>;
}

/** Splits a template into text and actions, applying `{{-` / `-}}` whitespace trimming. */
function tokenize(src: string): Array<{ text?: string; action?: string }> {
  const out: Array<{ text?: string; action?: string }> = [];
  let rest = src;
  let trimNext = false;
  for (;;) {
    const open = rest.indexOf('{{');
    let text = open === -1 ? rest : rest.slice(0, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out.push({ text });
      return out;
    }
    const close = rest.indexOf('}}', open);
    if (close === -1) throw new Error('unclosed {{');
    let action = rest.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    trimNext = action.endsWith('-');
    if (trimNext) action = action.slice(0, -1);
    out.push({ text }, { action: action.trim() });
    rest = rest.slice(close + 2);
  }
}

/** Builds the tree; `define` bodies go to `defines`. */
function parseTemplate(src: string, defines: Map<string, Node[]>): Node[] {
  const root: Node[] = [];
  const stack: Array<{
    nodes: Node[];
    node?: Node & { kind: 'if' | 'with' };
    define?: string;
    inElse?: boolean;
  }> = [{ nodes: root }];
  const top = () => stack[stack.length - 1]!;
  for (const token of tokenize(src)) {
    if (token.text !== undefined) {
      if (token.text) top().nodes.push({ kind: 'text', text: token.text });
      continue;
    }
    const action = token.action!;
    const keyword = /^(\w+)\b\s*(.*)$/s.exec(action);
    const word = keyword?.[1];
    if (action.startsWith('/*')) continue;
    if (word === 'if' || word === 'with') {
      const node = { kind: word, expr: keyword![2]!, yes: [], no: [] } as Node & { kind: 'if' | 'with' };
      top().nodes.push(node);
      stack.push({ nodes: node.yes, node });
    } else if (word === 'define') {
      stack.push({ nodes: [], define: JSON.parse(keyword![2]!) });
    } else if (word === 'else') {
      const frame = top();
      if (!frame.node || frame.inElse || keyword![2]) throw new Error(`unsupported: {{${action}}}`);
      frame.nodes = frame.node.no;
      frame.inElse = true;
    } else if (word === 'end') {
      const frame = stack.pop()!;
      if (stack.length === 0) throw new Error('{{end}} without a block');
      if (frame.define) defines.set(frame.define, frame.nodes);
    } else if (word && ['range', 'template', 'block', 'break', 'continue'].includes(word)) {
      throw new Error(`outside the supported subset: {{${action}}}`);
    } else {
      top().nodes.push({ kind: 'out', expr: action });
    }
  }
  if (stack.length !== 1) throw new Error('unclosed block');
  return root;
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function lookup(base: unknown, dotted: string): unknown {
  let v = base;
  for (const key of dotted.split('.').filter(Boolean)) {
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  }
  return v;
}

const FUNCTIONS: Record<string, (scope: Scope, ...args: unknown[]) => unknown> = {
  include: (scope, name, dot) => {
    const body = scope.defines.get(String(name));
    if (!body) throw new Error(`no template named ${String(name)}`);
    return renderNodes(body, { ...scope, dot });
  },
  printf: (_s, format, ...args) => String(format).replace(/%[sdv]/g, () => String(args.shift())),
  trunc: (_s, n, s) => String(s).slice(0, Number(n)),
  trimSuffix: (_s, suffix, s) =>
    String(s).endsWith(String(suffix)) ? String(s).slice(0, -String(suffix).length) : s,
  quote: (_s, v) => JSON.stringify(String(v ?? '')),
  toYaml: (_s, v) => (v === undefined ? '' : stringify(v).trimEnd()),
  nindent: (_s, n, s) => `\n${indent(Number(n), String(s))}`,
  indent: (_s, n, s) => indent(Number(n), String(s)),
  default: (_s, fallback, v) => (truthy(v) ? v : fallback),
  not: (_s, v) => !truthy(v),
  // Go's eq: true when the first argument equals any of the others.
  eq: (_s, a, ...others) => others.some((b) => b === a),
  fail: (_s, message) => {
    throw new Error(`fail: ${String(message)}`);
  },
};

function indent(n: number, s: string): string {
  return s
    .split('\n')
    .map((line) => ' '.repeat(n) + line)
    .join('\n');
}

function evalArg(token: string, scope: Scope): unknown {
  if (token.startsWith('"')) return JSON.parse(token);
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (token === '.') return scope.dot;
  if (token.startsWith('$')) return lookup(scope.root, token.slice(1));
  if (token.startsWith('.')) return lookup(scope.dot, token);
  throw new Error(`unsupported argument ${token}`);
}

/** Evaluates a pipeline such as `.Values.x | default "a" | quote`. */
function evaluate(expr: string, scope: Scope): unknown {
  const commands = expr.match(/("(?:[^"\\]|\\.)*"|[^|"])+/g) ?? [];
  let piped: unknown;
  let first = true;
  for (const command of commands) {
    const tokens = command.trim().match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
    const [head, ...rest] = tokens;
    if (head === undefined) throw new Error(`empty command in ${expr}`);
    if (/^[a-zA-Z]\w*$/.test(head)) {
      const fn = FUNCTIONS[head];
      if (!fn) throw new Error(`function ${head} is outside the supported subset`);
      const args = rest.map((t) => evalArg(t, scope));
      piped = fn(scope, ...(first ? args : [...args, piped]));
    } else {
      if (!first || rest.length > 0) throw new Error(`cannot pipe into ${head}`);
      piped = evalArg(head, scope);
    }
    first = false;
  }
  return piped;
}

function renderNodes(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'out') {
      const v = evaluate(node.expr, scope);
      if (v === undefined || v === null) throw new Error(`{{ ${node.expr} }} has no value`);
      if (typeof v === 'object') throw new Error(`{{ ${node.expr} }} is a map or list; use toYaml`);
      out += String(v);
    } else {
      const v = evaluate(node.expr, scope);
      const chosen = truthy(v) ? node.yes : node.no;
      out += renderNodes(chosen, node.kind === 'with' && truthy(v) ? { ...scope, dot: v } : scope);
    }
  }
  return out;
}

function merge(base: unknown, over: unknown): unknown {
  if (!over || typeof over !== 'object' || Array.isArray(over)) return over;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = merge(out[k], v);
  return out;
}

export interface RenderedManifest {
  template: string;
  doc: Record<string, unknown>;
}

/**
 * Renders every template of a chart with its values.yaml deep-merged with `overrides`.
 * @example renderChart('deploy/helm/modelgarden', { autoscaling: { enabled: false } })
 */
export function renderChart(
  chartDir: string,
  overrides: Record<string, unknown> = {},
  release = { Name: 'mg', Namespace: 'default', Service: 'Helm' },
): RenderedManifest[] {
  const chart = parse(readFileSync(path.join(chartDir, 'Chart.yaml'), 'utf8'));
  const values = merge(parse(readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')), overrides);
  const root = {
    Values: values,
    Release: release,
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = path.join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  const defines = new Map<string, Node[]>();
  for (const f of files.filter((f) => f.startsWith('_')))
    parseTemplate(readFileSync(path.join(dir, f), 'utf8'), defines);
  const manifests: RenderedManifest[] = [];
  for (const f of files.filter((f) => !f.startsWith('_') && f.endsWith('.yaml'))) {
    const tree = parseTemplate(readFileSync(path.join(dir, f), 'utf8'), defines);
    const text = renderNodes(tree, { dot: root, root, defines });
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) throw new Error(`${f}: ${doc.errors[0]?.message}\n${text}`);
      const value = doc.toJS();
      if (value) manifests.push({ template: f, doc: value });
    }
  }
  return manifests;
}
