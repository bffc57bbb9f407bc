import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Builds the web package's two apps into `dist/`: the hub's app (`index.html`, which the hub serves at `/`)
 * and the station console (`station.html`, which a station serves at `/steward`); they share `assets/`.
 * In development (`npm run dev --workspace @polder/web`) Vite proxies the API to a hub on port 3000.
 */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
    rollupOptions: {
      input: {
        index: `${import.meta.dirname}/index.html`,
        station: `${import.meta.dirname}/station.html`,
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
