/** Benchmark 4 (overload): see runOverload. */
import { print } from './lib/report.js';

export async function runOverload(_dir: string): Promise<void> {
  print('## 4. Overload\n\nNot implemented yet.\n');
}
