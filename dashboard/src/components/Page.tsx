import type { ReactNode } from "react";
import type { LoadState } from "../api/useLoad";

/** A page's `<main>`: its one heading, and `data-state` saying whether its data has loaded. */
export function Page({ title, state, children }: { title: string; state: LoadState; children: ReactNode }) {
  return (
    <main id="main" tabIndex={-1} data-state={state} aria-busy={state === "loading"}>
      <h1>{title}</h1>
      {children}
    </main>
  );
}

/** The page's overall state from the states of what it loads: any error, else any loading. */
export function combine(...states: LoadState[]): LoadState {
  if (states.includes("error")) return "error";
  return states.includes("loading") ? "loading" : "ready";
}
