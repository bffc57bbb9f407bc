import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the hub's web app into `dist/`, which the hub serves at `/`. In development (`npm run dev
 * --workspace @polder/web`) Vite proxies the API to a hub on port 3000.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
