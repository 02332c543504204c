import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach, beforeEach } from "vitest";
import { TOKEN_KEY } from "../auth/token";

// findBy*/waitFor give up after 1 s by default; on a loaded CI machine a lazy render can take
// longer, and a test must fail for a wrong page, not a slow one.
configure({ asyncUtilTimeout: 10_000 });

beforeEach(() => {
  sessionStorage.setItem(TOKEN_KEY, "test-admin-token");
});

afterEach(() => {
  cleanup();
  sessionStorage.clear();
});
