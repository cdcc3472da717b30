#!/usr/bin/env node
// Thin launcher so `npx switchboard` works after `npm install` (which builds dist/).
import '../dist/src/cli/main.js';
