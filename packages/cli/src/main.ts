#!/usr/bin/env node
// The `modelgarden` executable.

import { run } from './run.js';

process.exitCode = await run(process.argv);
