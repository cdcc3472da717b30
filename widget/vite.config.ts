// Builds the embeddable widget as one self-contained IIFE (widget/dist/widget.js):
// a site adds it with a single <script> tag, so there are no chunks, no CSS file
// and no module loader. The CSS lives in the bundle and goes into a shadow root.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    minify: 'esbuild',
    sourcemap: false,
    reportCompressedSize: true,
    lib: {
      entry: 'src/index.ts',
      formats: ['iife'],
      name: 'SwitchboardWidget',
      fileName: () => 'widget.js',
    },
  },
});
