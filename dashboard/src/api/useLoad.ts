// Load data for a page or panel, keeping only the answer of the latest request.
import { useCallback, useEffect, useRef, useState } from "react";

export type LoadState = "loading" | "ready" | "error";

export interface Loaded<T> {
  /** "loading" from the very render in which `deps` change, never a stale "ready". */
  state: LoadState;
  /** The latest answer; while a new one loads, the previous one (pages keep showing it). */
  data: T | undefined;
  error: unknown;
  reload: () => void;
  /** Replace the data in place (a row changed by an action), without a new request. */
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

interface Outcome<T> {
  key: string;
  state: LoadState;
  data: T | undefined;
  error: unknown;
}

/** `deps` are plain values (names, filters); they say when `loader` asks for something else. */
export function useLoad<T>(loader: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify([...deps, generation]);
  const [outcome, setOutcome] = useState<Outcome<T>>({ key: "", state: "loading", data: undefined, error: null });
  const latest = useRef("");

  useEffect(() => {
    latest.current = key;
    loader().then(
      (data) => {
        if (latest.current === key) setOutcome({ key, state: "ready", data, error: null });
      },
      (error: unknown) => {
        if (latest.current === key) setOutcome((last) => ({ key, state: "error", data: last.data, error }));
      },
    );
    // `loader` is a fresh closure on every render; `key` says when it asks for something else.
  }, [key]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const setData = useCallback(
    (update: (current: T | undefined) => T | undefined) =>
      setOutcome((last) => ({ ...last, data: update(last.data) })),
    [],
  );
  const state = outcome.key === key ? outcome.state : "loading";
  return { state, data: outcome.data, error: state === "error" ? outcome.error : null, reload, setData };
}
