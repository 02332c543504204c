import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { TOKEN_KEY } from "../auth/token";

// Recharts measures its container; jsdom has no layout, so a fixed size stands in.
class FixedSizeObserver {
  constructor(private readonly callback: ResizeObserverCallback) {}
  observe(target: Element) {
    const entry = { target, contentRect: { width: 800, height: 240 } } as unknown as ResizeObserverEntry;
    this.callback([entry], this as unknown as ResizeObserver);
  }
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver = FixedSizeObserver as unknown as typeof ResizeObserver;

beforeEach(() => {
  sessionStorage.setItem(TOKEN_KEY, "test-admin-token");
});

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
