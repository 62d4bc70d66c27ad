/** Samples the per-pod average of `http_server_active_requests` every 250 ms, as the HPA would average it. */
import { activeRequests, type Replica } from './replicas.js';

export function sampleActive(replicas: Replica[]): { stop(): Promise<number[]> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const values = await Promise.all(replicas.map((r) => activeRequests(r).catch(() => 0)));
      samples.push(values.reduce((a, b) => a + b, 0) / values.length);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return samples;
    },
  };
}
