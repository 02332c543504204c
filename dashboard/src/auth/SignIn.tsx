import { useState, type FormEvent } from "react";
import { ApiError } from "../api/client";
import { api } from "../api/endpoints";
import { ErrorAlert } from "../components/ErrorAlert";
import { storeToken } from "./token";

/** Asks for the admin token, checks it against the API, and keeps it for this tab only. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: () => void; notice?: string }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const candidate = token.trim();
    if (!candidate) {
      setError(new Error("Enter the admin token."));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.integrations(candidate);
      storeToken(candidate);
      onSignedIn();
    } catch (failure) {
      const refused = failure instanceof ApiError && failure.status === 401;
      setError(refused ? new Error(`The token was refused: ${failure.message}`) : failure);
      setBusy(false);
    }
  }

  return (
    <main id="main" tabIndex={-1} className="signin" data-state={error ? "error" : "ready"}>
      <h1>Sign in</h1>
      <p>The integrations admin dashboard needs an admin token (INTEGRATIONS_ADMIN_TOKEN or one
        made with <code>integrations admin create-token</code>). It is kept for this browser tab only.</p>
      {notice ? <p className="notice">{notice}</p> : null}
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="admin-token">Admin token</label>
          <input
            id="admin-token"
            name="token"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {error ? <ErrorAlert error={error} /> : null}
    </main>
  );
}
