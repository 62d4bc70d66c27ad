/**
 * The LLM gateway's metrics and spans: requests and tokens by model and provider, time to first
 * token and inter-token latency, upstream errors by provider and deployment, fallbacks taken; a span
 * per upstream attempt (the gateway's own span is opened by llm/gateway.ts). Label values are
 * bounded: model names the catalog resolved (configured aliases, listed models) or `unknown`.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { GatewayObserver } from '../llm/gateway.js';
import type { RouterObserver } from '../llm/router.js';
import { BoundCounter, BoundHistogram } from './bound-metrics.js';
import { tracer, tracingActive } from './tracing.js';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const GAPS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createLlmMetrics(registry: Registry) {
  const requests = new BoundCounter(
    'modelgarden_llm_requests_total',
    'LLM gateway requests by model, provider, endpoint and outcome (ok, error, aborted)',
    ['model', 'provider', 'endpoint', 'status'] as const,
    registry,
  );
  const tokens = new BoundCounter(
    'modelgarden_llm_tokens_total',
    'Tokens through the LLM gateway by model, provider and direction (prompt = in, completion = out)',
    ['model', 'provider', 'direction'] as const,
    registry,
  );
  const duration = new BoundHistogram(
    'modelgarden_llm_request_duration_seconds',
    'LLM gateway request duration, retries and fallbacks included',
    ['model', 'provider', 'endpoint'] as const,
    SECONDS,
    registry,
  );
  const ttft = new BoundHistogram(
    'modelgarden_llm_time_to_first_token_seconds',
    'Time from the request to the first streamed part',
    ['model', 'provider'] as const,
    SECONDS,
    registry,
  );
  const interToken = new BoundHistogram(
    'modelgarden_llm_inter_token_latency_seconds',
    'Time between consecutive streamed parts',
    ['model', 'provider'] as const,
    GAPS,
    registry,
  );
  const upstreamErrors = new BoundCounter(
    'modelgarden_llm_upstream_errors_total',
    'Failed upstream attempts by provider, deployment and kind (rate-limited, server, timeout, …)',
    ['provider', 'deployment', 'kind'] as const,
    registry,
  );
  const fallbacks = new BoundCounter(
    'modelgarden_llm_fallbacks_total',
    'Moves to the next deployment after a failure, by model and the deployment that failed',
    ['model', 'from'] as const,
    registry,
  );
  const cooldowns = new BoundCounter(
    'modelgarden_llm_deployment_cooldowns_total',
    'Times a deployment was rested after repeated failures',
    ['deployment'] as const,
    registry,
  );
  // Inter-token observations are per streamed part: each stream gets its (model, provider) series once.
  const gapSeries = new Map<string, ReturnType<typeof interToken.bind>>();

  // A call's five series, bound together once per (model, provider, endpoint, status): one lookup a call.
  const callSeries = new Map<
    string,
    {
      requests: ReturnType<typeof requests.bind>;
      prompt: ReturnType<typeof tokens.bind>;
      completion: ReturnType<typeof tokens.bind>;
      duration: ReturnType<typeof duration.bind>;
      ttft: ReturnType<typeof ttft.bind>;
    }
  >();
  const seriesOf = (model: string, provider: string, endpoint: string, status: string) => {
    const key = `${model}\u0000${provider}\u0000${endpoint}\u0000${status}`;
    let s = callSeries.get(key);
    if (!s) {
      s = {
        requests: requests.bind({ model, provider, endpoint, status }),
        prompt: tokens.bind({ model, provider, direction: 'prompt' }),
        completion: tokens.bind({ model, provider, direction: 'completion' }),
        duration: duration.bind({ model, provider, endpoint }),
        ttft: ttft.bind({ model, provider }),
      };
      callSeries.set(key, s);
    }
    return s;
  };

  const gateway: GatewayObserver = {
    finished(r) {
      const s = seriesOf(r.model, r.provider ?? 'none', r.endpoint, r.status);
      s.requests.inc();
      if (r.promptTokens > 0) s.prompt.inc(r.promptTokens);
      if (r.completionTokens > 0) s.completion.inc(r.completionTokens);
      s.duration.observe(r.durationS);
      if (r.ttftS !== null) s.ttft.observe(r.ttftS);
    },
    interTokenSeries(model, provider) {
      const key = `${model}\u0000${provider}`;
      let series = gapSeries.get(key);
      if (!series) {
        series = interToken.bind({ model, provider });
        gapSeries.set(key, series);
      }
      return series;
    },
  };

  const router: RouterObserver = {
    attempt(deployment, route) {
      const span = tracingActive()
        ? tracer().startSpan('llm.upstream', {
            attributes: {
              'gen_ai.system': deployment.provider.name,
              'gen_ai.request.model': deployment.model,
              'modelgarden.llm.deployment': deployment.ref,
              'modelgarden.llm.route': route.model,
            },
          })
        : undefined;
      return {
        end(error) {
          if (error && error.kind !== 'aborted')
            upstreamErrors
              .bind({ provider: deployment.provider.name, deployment: deployment.ref, kind: error.kind })
              .inc();
          if (span) {
            if (error) {
              span.setAttribute('modelgarden.llm.error_kind', error.kind);
              if (error.details.status !== undefined)
                span.setAttribute('http.response.status_code', error.details.status);
              span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
            }
            span.end();
          }
        },
      };
    },
    fallback(route, from) {
      fallbacks.bind({ model: route.model, from: from.ref }).inc();
    },
    cooledDown(deployment) {
      cooldowns.bind({ deployment: deployment.ref }).inc();
    },
  };
  return { gateway, router };
}
