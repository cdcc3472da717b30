#!/usr/bin/env node
// Thin launcher for `npx switchboard`: it runs the built server in dist/, which `npm run build` (or
// `npm start`, which builds first) makes. `npm install` does not build, so say what to do instead of
// failing with a module-not-found stack.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('switchboard: not built yet (no dist/). Run `npm run build` in the Switchboard checkout first.\n');
  process.exit(1);
}
await import(entry.href);
