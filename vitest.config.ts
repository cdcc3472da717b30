import { defineConfig } from 'vitest/config';

// Unit tests beside the code; the black-box protocol suite (and the agent API and
// SDK suites) over HTTP to a real server process; browser tests in real Chromium.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts', 'widget/src/**/*.test.ts', 'console/src/**/*.test.ts'], testTimeout: 10_000 } },
      { test: { name: 'protocol', include: ['test/**/*.test.ts'], exclude: ['test/browser/**'], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'browser', include: ['test/browser/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 } },
    ],
  },
});
