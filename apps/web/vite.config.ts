// Vite build and dev server for the web app; in dev, API calls are proxied to a local Model Garden server.
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const apiTarget = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': apiTarget,
      '/v2': apiTarget,
      '/health': apiTarget,
      '/docs': apiTarget,
    },
  },
});
