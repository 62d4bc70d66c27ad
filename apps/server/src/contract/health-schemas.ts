/** The liveness and readiness probes' answers. */
import { z } from 'zod';

export const healthLiveSchema = z.object({ status: z.literal('ok') }).meta({ id: 'HealthLive' });

export const healthReadySchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    checks: z.object({ database: z.string(), models: z.string() }),
  })
  .meta({ id: 'HealthReady' });
