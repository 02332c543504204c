/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the API to a running `integrations serve` (INTEGRATIONS_API_URL, default
// http://127.0.0.1:8000), so the page and the API share an origin as they do when served.
const apiUrl = process.env.INTEGRATIONS_API_URL ?? "http://127.0.0.1:8000";
const proxied = { target: apiUrl, changeOrigin: false };

export default defineConfig({
  base: "/",
  plugins: [react()],
  build: {
    // The Python package serves this folder at `/` (git-ignored; built by the set-up scripts).
    outDir: fileURLToPath(new URL("../src/integrations/api/dashboard_dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    host: "127.0.0.1",
    proxy: { "/api": proxied, "/healthz": proxied, "/metrics": proxied },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    restoreMocks: true,
    unstubGlobals: true,
    testTimeout: 30_000,
    // One jsdom per worker instead of per file: a third of the run time. Safe because tests share
    // no module state: fetch stubs are undone after each test (unstubGlobals), setup.ts clears
    // sessionStorage and unmounts, and no test uses vi.mock.
    isolate: false,
    css: false,
  },
});
