/** Benchmark 2 (compute-heavy CNN vs the raw onnxruntime limit): see runCnn. */
import { print } from './lib/report.js';

export async function runCnn(_dir: string): Promise<void> {
  print('## 2. CNN vs the limit\n\nNot implemented yet.\n');
}
