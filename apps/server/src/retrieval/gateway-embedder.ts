/**
 * The knowledge bases' embedder: the LLM gateway's embeddings call (the same routing, retries,
 * fallbacks and usage records as `POST /v1/embeddings`), made by the server itself, recorded in the
 * usage log as `system:retrieval`.
 */
import type { GatewayCaller, LlmGateway } from '../llm/gateway.js';
import type { Embedder } from './ingest-worker.js';

const CALLER: GatewayCaller = { subject: 'system:retrieval' };

export function gatewayEmbedder(gateway: LlmGateway): Embedder {
  return async (model, texts) => {
    const list = await gateway.embed(CALLER, { model, input: texts });
    return list.data.map((d) => {
      if (typeof d.embedding === 'string') throw new Error('the gateway answered base64 unasked');
      return d.embedding;
    });
  };
}
