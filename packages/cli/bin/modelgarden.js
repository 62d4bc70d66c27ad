#!/usr/bin/env node
// The installed `modelgarden` command. It is a committed file so npm links it at install time, before
// `npm run build` has produced packages/cli/dist; it runs the built CLI.
import '../dist/main.js';
