import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { TOKEN_KEY } from "../auth/token";

beforeEach(() => {
  sessionStorage.setItem(TOKEN_KEY, "test-admin-token");
});

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
