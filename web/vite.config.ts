import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The build output (dist/) is embedded into the dcinstall binary by web/CMakeLists.txt; the
// output directory can be moved into the build tree with DCINSTALL_WEB_OUT_DIR.
export default defineConfig({
  plugins: [preact()],
  base: '/',
  build: {
    outDir: process.env.DCINSTALL_WEB_OUT_DIR || 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2020',
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': { target: process.env.DCINSTALL_API || 'http://127.0.0.1:9000', changeOrigin: false },
    },
  },
});
