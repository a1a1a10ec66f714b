import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const parley = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080';

// Two pages, served by `parley serve`: the demo chat at / and the console at /console.
export default defineConfig({
  // `npm run dev -w @parley/web`: live-reloading pages against a running `parley serve` (PARLEY_URL,
  // default the default port). Only the pages' own APIs need the proxy: with the target's Host, the
  // tokens name the server itself, so navigation and the WebSocket go to it directly.
  server: {
    proxy: {
      '/demo/api': { target: parley, changeOrigin: true },
      '/admin/api': { target: parley, changeOrigin: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: { demo: page('./index.html'), console: page('./console/index.html') },
    },
  },
});
