/**
 * Model Garden's models as tools, for the gateway's tool loop and the MCP server alike: the tools a
 * caller may use (every servable model they may see, schema from tool-schema.ts), a call run through
 * the serving engine with the caller's permissions, and model cards. Visibility is decided by
 * auth/authorize.ts (visibleTo, authorizeModel): a team-private model is never offered to, nor run
 * for, a caller outside its team. A call never throws for what the LLM sent: bad arguments, an
 * unknown tool or a failed prediction come back as an error result the LLM can read.
 *
 * Domain code: no Fastify, no process.env.
 */
import { authorizeModel, viewerOf, visibleTo } from '../../auth/authorize.js';
import type { Principal } from '../../auth/principal.js';
import { grants } from '../../auth/scopes.js';
import { ModelGardenError } from '../../errors/model-garden-error.js';
import type { RegistryService } from '../../registry/registry-service.js';
import type { ModelSummary, ModelVersion } from '../../registry/types.js';
import type { InferenceService } from '../../serving/inference-service.js';
import type { PredictService } from '../../serving/predict-service.js';
import type { CancelSignal } from '../../serving/scheduler.js';
import { decodeJsonTensor } from '../../serving/tensor-codec.js';
import { fixedShape, type ToolKind, toolDescriptionOf, toolNameOf, toolShapeOf } from './tool-schema.js';

/** One model offered as a tool. */
export interface ModelTool {
  /** The tool's name (toolNameOf(model)). */
  name: string;
  model: string;
  version: number;
  kind: ToolKind;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** What a call answers: the friendly prediction, or an error the LLM can read and correct. */
export type ToolResult =
  | { ok: true; model: string; version: number; output: Record<string, unknown> }
  | { ok: false; model: string | null; error: { code: string; message: string } };

/** The result as the text a tool message carries back to the LLM. */
export function toolResultText(result: ToolResult): string {
  return JSON.stringify(
    result.ok ? { model: result.model, version: result.version, ...result.output } : { error: result.error },
  );
}

const PAGE = 200;
/** Top classes an image tool answers with (an LLM needs the few likeliest, not a thousand). */
const IMAGE_TOP_K = 5;
const DATA_URL = /^data:image\/[a-z0-9.+-]+;base64,/i;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

export interface ModelToolsDeps {
  registry: RegistryService;
  predict: PredictService;
  inference: InferenceService;
}

export class ModelTools {
  constructor(private readonly deps: ModelToolsDeps) {}

  /** Every servable model the caller may see, as tools, in name order. Empty for anonymous callers. */
  async list(principal: Principal): Promise<ModelTool[]> {
    if (principal.kind === 'anonymous') return [];
    const summaries: ModelSummary[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await this.deps.registry.listModels({ viewer: viewerOf(principal), limit: PAGE, offset });
      summaries.push(...page.models);
      if (page.models.length < PAGE || summaries.length >= page.total) break;
    }
    const tools: ModelTool[] = [];
    const taken = new Set<string>();
    for (const summary of visibleTo(principal, summaries)) {
      if (summary.latestVersion === null) continue;
      const version = await this.servingVersion(summary.name);
      const tool = version && toolOf(version, summary.description);
      if (!tool || taken.has(tool.name)) continue;
      taken.add(tool.name);
      tools.push(tool);
    }
    return tools;
  }

  /** The version a prediction for the model is served by (production, else the latest), or null. */
  private async servingVersion(model: string): Promise<ModelVersion | null> {
    try {
      return this.deps.registry.resolveCached(model) ?? (await this.deps.registry.resolve(model));
    } catch {
      return null;
    }
  }

  /**
   * The tools named in `names` (model names or tool names), or all of them for `all`. A name the
   * caller may not see answers as a missing model (MODEL_NOT_FOUND), like every other way in.
   */
  async select(principal: Principal, names: readonly string[] | 'all'): Promise<ModelTool[]> {
    const tools = await this.list(principal);
    if (names === 'all') return tools;
    return names.map((n) => {
      const tool = tools.find((t) => t.model === n || t.name === n);
      if (!tool)
        throw new ModelGardenError(
          'MODEL_NOT_FOUND',
          `No Model Garden tool "${n.slice(0, 200)}": no such model you may use, or it cannot be offered as a tool`,
          { details: { model: n.slice(0, 200) } },
        );
      return tool;
    });
  }

  /**
   * Runs a tool for the caller. `tools` is the set on offer (from list/select); a name outside it
   * is an error result. Never throws for the arguments; rethrows only a cancellation.
   */
  async call(
    principal: Principal,
    tools: readonly ModelTool[],
    name: string,
    args: unknown,
    signal?: AbortSignal,
  ): Promise<ToolResult> {
    const tool = tools.find((t) => t.name === name);
    if (!tool)
      return failure(
        null,
        'TOOL_NOT_FOUND',
        `There is no tool "${name.slice(0, 100)}"; use one of the tools given`,
      );
    try {
      if (principal.kind === 'anonymous' || !grants(principal.scopes, 'predict'))
        throw new ModelGardenError('FORBIDDEN', 'These credentials may not run predictions (scope predict)');
      // The decision again, at call time: the model's access may have changed since the listing.
      authorizeModel(principal, 'see', tool.model, await this.deps.registry.access.get(tool.model));
      const parsed = typeof args === 'string' ? parseArguments(args) : args;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new ModelGardenError('INVALID_INPUT', 'The arguments must be a JSON object');
      const version = await this.deps.registry.getVersion(tool.model, tool.version);
      const output = await this.run(version, tool.kind, parsed as Record<string, unknown>, signal);
      return { ok: true, model: tool.model, version: version.version, output };
    } catch (err) {
      if (err instanceof ModelGardenError) {
        if (err.code === 'CANCELLED') throw err;
        return failure(tool.model, err.code, err.message);
      }
      return failure(tool.model, 'INFERENCE_FAILED', 'The prediction failed');
    }
  }

  private async run(
    version: ModelVersion,
    kind: ToolKind,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    const options = signal ? { signal: cancelOn(signal) } : {};
    if (kind === 'tabular') {
      const result = await this.deps.predict.predictRows(version, [args], undefined, options);
      return { ...result.predictions[0] };
    }
    if (kind === 'image') {
      const extra = Object.keys(args).find((k) => k !== 'image');
      if (extra)
        throw new ModelGardenError('INVALID_INPUT', `Unknown argument "${extra.slice(0, 64)}"; send "image"`);
      if (typeof args.image !== 'string')
        throw new ModelGardenError(
          'INVALID_IMAGE',
          '"image" must be a data:image/…;base64, URL or base64 text',
        );
      const result = await this.deps.predict.predictImages(
        version,
        [decodeImage(args.image)],
        IMAGE_TOP_K,
        options,
      );
      return { ...result.predictions[0] };
    }
    const extra = Object.keys(args).find((k) => !version.inputs.some((s) => s.name === k));
    if (extra) throw new ModelGardenError('INVALID_INPUT', `Unknown input "${extra.slice(0, 64)}"`);
    const inputs = version.inputs.map((spec) => {
      if (args[spec.name] === undefined)
        throw new ModelGardenError('INVALID_INPUT', `Missing input "${spec.name}"`);
      return decodeJsonTensor(
        { name: spec.name, datatype: spec.datatype, shape: fixedShape(spec)!, data: args[spec.name] },
        spec,
      );
    });
    const outputs = await this.deps.inference.run(version, inputs, undefined, options);
    return {
      outputs: outputs.map((o) => ({
        name: o.name,
        datatype: o.datatype,
        shape: o.shape,
        data: Array.from(o.data as ArrayLike<number | bigint | string>, (v) =>
          typeof v === 'bigint' ? Number(v) : v,
        ),
      })),
    };
  }

  /** The model card as Markdown, for a model the caller may see (MODEL_NOT_FOUND otherwise). */
  async card(principal: Principal, model: string): Promise<string> {
    authorizeModel(principal, 'see', model, await this.deps.registry.access.get(model));
    const detail = await this.deps.registry.getModel(model);
    const version = await this.servingVersion(model);
    const lines = [`# ${detail.name}`, ''];
    if (detail.description) lines.push(detail.description, '');
    lines.push(`- Task: ${detail.task ?? 'none yet'}`);
    lines.push(`- Visibility: ${detail.visibility}${detail.team ? ` (team ${detail.team})` : ''}`);
    const aliases = Object.entries(detail.aliases);
    if (aliases.length > 0) lines.push(`- Aliases: ${aliases.map(([a, v]) => `${a} → v${v}`).join(', ')}`);
    const tags = Object.entries(detail.tags);
    if (tags.length > 0) lines.push(`- Tags: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (version) {
      lines.push(`- Served version: ${version.version}`, '', '## Inputs', '');
      for (const s of version.inputs) lines.push(`- \`${s.name}\` ${s.datatype} [${s.shape.join(', ')}]`);
      if (version.featureNames?.length) lines.push('', `Features: ${version.featureNames.join(', ')}`);
      if (version.labels?.length) lines.push('', '## Classes', '', version.labels.slice(0, 100).join(', '));
      const metrics = Object.entries(version.metrics);
      if (metrics.length > 0) lines.push('', '## Metrics', '', ...metrics.map(([k, v]) => `- ${k}: ${v}`));
      const tool = toolOf(version, detail.description);
      lines.push(
        '',
        tool ? `As a tool: \`${tool.name}\`` : 'Not offered as a tool (its inputs are too large to state).',
      );
    }
    return `${lines.join('\n')}\n`;
  }
}

function toolOf(version: ModelVersion, modelDescription: string | null): ModelTool | null {
  const shape = toolShapeOf(version);
  if (!shape) return null;
  return {
    name: toolNameOf(version.model),
    model: version.model,
    version: version.version,
    kind: shape.kind,
    description: toolDescriptionOf(version, shape.kind, modelDescription),
    parameters: shape.parameters,
  };
}

/** The serving engine's cancellation, driven by an AbortSignal. */
function cancelOn(signal: AbortSignal): CancelSignal {
  return {
    onCancel(request) {
      if (signal.aborted) request.cancel();
      else signal.addEventListener('abort', () => request.cancel(), { once: true });
      return undefined;
    },
  };
}

function failure(model: string | null, code: string, message: string): ToolResult {
  return { ok: false, model, error: { code, message } };
}

function parseArguments(text: string): unknown {
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw new ModelGardenError('INVALID_INPUT', 'The arguments are not valid JSON');
  }
}

function decodeImage(text: string): Uint8Array {
  const body = text.replace(DATA_URL, '');
  if (body.length === 0 || !BASE64.test(body))
    throw new ModelGardenError('INVALID_IMAGE', '"image" is not base64 (nor a data:image/…;base64, URL)');
  return Buffer.from(body, 'base64');
}
