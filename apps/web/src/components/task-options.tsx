// The `<option>`s of a task select, one per task with its human name.

import type { Task } from '@modelgarden/sdk';
import { taskLabels } from '../lib/task';

export function TaskOptions() {
  return (
    <>
      {(Object.keys(taskLabels) as Task[]).map((task) => (
        <option key={task} value={task}>
          {taskLabels[task]}
        </option>
      ))}
    </>
  );
}
