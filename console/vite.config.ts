// The agent console: plain TypeScript + DOM, bundled by vite into console/dist,
// which the server serves at /console/ (src/http/static-routes.ts).
import { defineConfig } from 'vite';

const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/console/',
  // The SDK is imported from its source in packages/sdk (outside this root).
  server: { fs: { allow: ['..'] } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
