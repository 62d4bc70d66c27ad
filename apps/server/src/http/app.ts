/**
 * Builds the Fastify application over an AppContext: plugins, OpenAPI, error handling and routes.
 * Does not listen; tests drive it with inject() and the server module listens.
 */
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import {
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { AppContext } from '../context.js';
import { registerAudit } from './audit-hook.js';
import { registerAuth, registerPolicyCheck } from './auth-hook.js';
import { registerEarlyShedding } from './early-shedding.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { registerIdempotency } from './idempotency.js';
import { registerJsonParser } from './json-parser.js';
import { registerMultipartPassThrough } from './multipart-files.js';
import { openApiTransform } from './openapi-transform.js';
import { registerPredictionLogging } from './prediction-logging.js';
import { requestIdOf } from './request-id.js';
import { lazyRequestLoggerFactory, registerRequestLogging } from './request-logging.js';
import { decorateRouteInfo } from './route-hooks.js';
import { DOCS_PREFIX } from './route-traits.js';
import { aliasRoutes } from './routes/aliases.js';
import { auditRoutes } from './routes/audit.js';
import { collectionRoutes } from './routes/collections.js';
import { conversationRoutes } from './routes/conversations.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { llmRoutes } from './routes/llm.js';
import { llmAdminRoutes } from './routes/llm-admin.js';
import { llmProviderRoutes } from './routes/llm-providers.js';
import { mcpRoutes } from './routes/mcp.js';
import { registerMetrics } from './routes/metrics.js';
import { modelRoutes } from './routes/models.js';
import { observabilityRoutes } from './routes/observability.js';
import { oipRoutes, SERVER_VERSION } from './routes/oip.js';
import { predictRoutes } from './routes/predict.js';
import { servingConfigRoutes } from './routes/serving-config.js';
import { sessionRoutes } from './routes/session.js';
import { userRoutes } from './routes/users.js';
import { versionRoutes } from './routes/versions.js';
import { isWebAppRoute, registerWebApp } from './routes/web.js';
import { registerSecurityPlugins, securityHeadersHook } from './security-plugins.js';
import { registerShadowDispatch, type ShadowDispatcher } from './shadow-dispatch.js';
import { registerTracing } from './tracing-hooks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Copies of split/shadowed traffic run after the reply (see shadow-dispatch.ts). */
    shadows: ShadowDispatcher;
  }
}

export async function buildApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: ctx.config.maxBodyBytes,
    genReqId: requestIdOf,
    // Logged from our own hooks (request-logging.ts) so the lines carry the trace id.
    logController: new LogController({ disableRequestLogging: true }),
    // req.log is made when first used: most requests log only the completion line.
    childLoggerFactory: lazyRequestLoggerFactory,
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    // Router errors (over-long path segments, malformed URLs) get the same JSON errors as the rest.
    frameworkErrors: errorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  registerJsonParser(app, ctx.config.json);
  // While draining, answer the requests already on open connections and close each connection
  // after its response, so shutdown does not wait for clients' keep-alive sockets to time out, and
  // clients know not to send another request on it. At send time, not arrival: Node itself marks
  // no response `Connection: close` after server.close(), not even those of requests in flight.
  let draining = false;
  app.addHook('preClose', async () => {
    draining = true;
  });
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  // The headers every answer carries, in one hook: the request id and the security set.
  const securityHeaders = securityHeadersHook(ctx.config.auth.secureCookies);
  decorateRouteInfo(app);
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    securityHeaders.call(app, req, reply, done);
  });

  // Access control first: every route registered from here on must have a policy entry.
  registerPolicyCheck(app);
  await app.register(fastifyCookie);
  await registerSecurityPlugins(app, ctx);
  // Multipart bodies are read by the routes that take them (multipart-files.ts, routes/models.ts).
  registerMultipartPassThrough(app);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Model Garden API',
        version: SERVER_VERSION,
        description:
          'Registry, friendly predictions and the Open Inference Protocol v2. REST errors are ' +
          '`{"error": {"code", "message"}}`; /v2 errors are `{"error": "message"}`.',
      },
      tags: [
        { name: 'registry', description: 'Models, versions, aliases' },
        { name: 'predict', description: 'Friendly JSON and image predictions' },
        { name: 'open inference protocol v2', description: 'KServe / Triton REST protocol' },
        { name: 'health', description: 'Probes' },
        { name: 'observability', description: 'Metrics' },
        { name: 'access', description: 'Sessions, users, API keys, audit log' },
        { name: 'llm', description: 'LLM gateway: OpenAI-compatible chat, embeddings, models (/v1)' },
        { name: 'chat', description: "The chat page's stored conversations (your own)" },
        { name: 'retrieval', description: 'Knowledge bases: collections, documents, search' },
      ],
    },
    transform: openApiTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: DOCS_PREFIX });

  registerTracing(app, ctx.tracing);
  registerRequestLogging(app);
  registerMetrics(app, ctx);
  registerPredictionLogging(app, ctx);
  registerAuth(app, ctx);
  registerAudit(app, ctx);
  // Route hooks (onRoute) reach only the routes added after them: these come before every route.
  registerIdempotency(app, ctx.database.db);
  await app.register(healthRoutes(ctx));
  await app.register(observabilityRoutes(ctx));
  registerEarlyShedding(app, ctx);
  app.decorate('shadows', registerShadowDispatch(app, ctx));
  await app.register(modelRoutes(ctx));
  await app.register(versionRoutes(ctx));
  await app.register(aliasRoutes(ctx));
  await app.register(predictRoutes(ctx));
  await app.register(servingConfigRoutes(ctx));
  await app.register(oipRoutes(ctx));
  await app.register(sessionRoutes(ctx));
  await app.register(userRoutes(ctx));
  await app.register(keyRoutes(ctx));
  await app.register(auditRoutes(ctx));
  await app.register(llmRoutes(ctx));
  await app.register(llmAdminRoutes(ctx));
  await app.register(llmProviderRoutes(ctx));
  await app.register(mcpRoutes(ctx));
  await app.register(conversationRoutes(ctx));
  await app.register(collectionRoutes(ctx));

  const hasWeb = await registerWebApp(app, ctx);
  app.setNotFoundHandler((req, reply) => {
    if (hasWeb && isWebAppRoute(req.method, req.url)) return reply.sendFile('index.html');
    return notFoundHandler(req, reply);
  });
  return app;
}
