// Load data for a page or panel, keeping only the answer of the latest request.
import { useCallback, useEffect, useRef, useState } from "react";

export type LoadState = "loading" | "ready" | "error";

export interface Loaded<T> {
  state: LoadState;
  data: T | undefined;
  error: unknown;
  reload: () => void;
  /** Replace the data in place (a row changed by an action), without a new request. */
  setData: (update: (current: T | undefined) => T | undefined) => void;
}

export function useLoad<T>(loader: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<LoadState>("loading");
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    const ticket = ++latest.current;
    setState("loading");
    loader().then(
      (value) => {
        if (ticket !== latest.current) return;
        setDataState(value);
        setError(null);
        setState("ready");
      },
      (failure: unknown) => {
        if (ticket !== latest.current) return;
        setError(failure);
        setState("error");
      },
    );
    // `loader` is a fresh closure each render; `deps` says when it asks for something else.
  }, [...deps, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  const setData = useCallback(
    (update: (current: T | undefined) => T | undefined) => setDataState(update),
    [],
  );
  return { state, data, error, reload, setData };
}
