import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import type { IntegrationConfig } from "../../api/types";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field, FieldError } from "../../components/Field";
import { LOG_LEVELS, NUMBER_FIELDS, patchOf, valuesOf, type FormValues } from "./configForm";
import { RateLimitsField } from "./RateLimitsField";

interface Props {
  config: IntegrationConfig;
  onSaved: (config: IntegrationConfig) => void;
}

// Fields the form shows; a 422 naming anything else is listed in the alert instead.
const SHOWN = new Set(["enabled", "mode", "log_level", "rate_limits", ...NUMBER_FIELDS.map((f) => f.name)]);
const shown = (field: string) => SHOWN.has(field) || /^rate_limits\.\d+\.(limit|period_seconds)$/.test(field);

/** One integration's runtime settings; the server validates, and its errors sit by their fields. */
export function ConfigForm({ config, onSaved }: Props) {
  const [saved, setSaved] = useState<FormValues>(() => valuesOf(config));
  const [values, setValues] = useState<FormValues>(saved);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [message, setMessage] = useState("");
  const [busy, setBusy] = useState(false);
  const errorOf = (name: string) => (error instanceof ApiError ? error.fieldReason(name) : undefined);
  const number = (name: string, value: string) => setValues((v) => ({ ...v, numbers: { ...v.numbers, [name]: value } }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const patch = patchOf(saved, values);
    setMessage("");
    setError(null);
    if (Object.keys(patch).length === 0) {
      setMessage("Nothing changed.");
      return;
    }
    setBusy(true);
    try {
      const answer = await api.updateIntegration(config.integration, patch);
      const next = valuesOf(answer.config);
      setSaved(next);
      setValues(next);
      setMessage(`Saved: version ${answer.config.version}.`);
      onSaved(answer.config);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  }

  const unshown = error instanceof ApiError ? error.fields.filter((p) => !shown(p.field)) : [];
  return (
    <form onSubmit={submit} noValidate aria-label={`Settings of ${config.integration}`} className="config-form">
      {error ? <ErrorAlert error={error} integration={config.integration} title="Not saved" /> : null}
      {unshown.length ? (
        <ul className="field-error">{unshown.map((p) => <li key={p.field}>{p.field}: {p.reason}</li>)}</ul>
      ) : null}
      <fieldset>
        <legend>Switches</legend>
        <Field name="enabled" label="Enabled" type="checkbox" checked={values.enabled} error={errorOf("enabled")}
          onChange={(event) => setValues((v) => ({ ...v, enabled: event.target.checked }))} />
        <Field name="mode" label="Mock mode (calls go to the simulator)" type="checkbox" checked={values.mock} error={errorOf("mode")}
          onChange={(event) => setValues((v) => ({ ...v, mock: event.target.checked }))} />
      </fieldset>
      <RateLimitsField rows={values.rate_limits} errorOf={errorOf} onChange={(rows) => setValues((v) => ({ ...v, rate_limits: rows }))} />
      <fieldset>
        <legend>Cache, timeouts, retries and breaker</legend>
        <div className="field-grid">
          {NUMBER_FIELDS.map((field) => (
            <Field key={field.name} name={field.name} label={field.label} type="number" step="any" inputMode="decimal"
              value={values.numbers[field.name]} error={errorOf(field.name)} hint="Empty: the connector's default"
              onChange={(event) => number(field.name, event.target.value)} />
          ))}
        </div>
        <div className="field">
          <label htmlFor="field-log_level">Log level</label>
          <select id="field-log_level" name="log_level" value={values.log_level}
            aria-invalid={errorOf("log_level") ? true : undefined} aria-describedby={errorOf("log_level") ? "error-log_level" : undefined}
            onChange={(event) => setValues((v) => ({ ...v, log_level: event.target.value }))}>
            {LOG_LEVELS.map((level) => <option key={level} value={level}>{level || "process default"}</option>)}
          </select>
          {errorOf("log_level") ? <FieldError name="log_level" reason={errorOf("log_level")!} /> : null}
        </div>
      </fieldset>
      <div className="form-actions">
        <button type="submit" disabled={busy}>{busy ? "Saving…" : "Save"}</button>
        <button type="button" className="secondary" onClick={() => { setValues(saved); setError(null); setMessage(""); }}>
          Undo changes
        </button>
        {message ? <p role="status" className="notice">{message}</p> : null}
      </div>
    </form>
  );
}
