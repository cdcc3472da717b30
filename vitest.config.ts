import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and the black-box protocol suite
// that talks HTTP to a real server process (or to SWITCHBOARD_BASE_URL).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 10_000 } },
      { test: { name: 'protocol', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
  },
});
