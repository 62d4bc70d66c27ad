/**
 * Says which version answered a prediction in an `x-model-version` response header, so a client of a
 * split alias (90/10 canary) can tell. The body already names it (`version` in friendly predictions,
 * `model_version` in OIP), as resolved per request by the registry; the header repeats it. The
 * prediction handlers set it themselves (they hold the version): an onSend hook that read it back
 * out of the serialised answer cost every prediction a regex and a hook call, and missed binary
 * OIP answers.
 */
import type { FastifyReply } from 'fastify';

export const SERVED_VERSION_HEADER = 'x-model-version';

export function setServedVersion(reply: FastifyReply, version: number | string): FastifyReply {
  return reply.header(SERVED_VERSION_HEADER, String(version));
}
