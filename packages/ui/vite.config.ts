import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

/**
 * The UI is served by `spyglass up` from the built files; `npm run dev -w @spyglass/ui`
 * serves the sources with hot reload and sends /api to a running all-in-one.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    // Hashed assets under /assets/ are cached for good; index.html never is (ui-plugin.ts).
    assetsDir: 'assets',
    chunkSizeWarningLimit: 800,
    sourcemap: false,
  },
  server: {
    proxy: { '/api': process.env['SPYGLASS_API'] ?? 'http://127.0.0.1:8080' },
  },
});
