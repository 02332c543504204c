import { Field, FieldError } from "../../components/Field";
import type { RateLimitRow } from "./configForm";

interface Props {
  rows: RateLimitRow[];
  onChange: (rows: RateLimitRow[]) => void;
  errorOf: (name: string) => string | undefined;
}

/** The connector's rate limits: each "N requests per P seconds"; all of them apply. */
export function RateLimitsField({ rows, onChange, errorOf }: Props) {
  function update(index: number, key: keyof RateLimitRow, value: string) {
    onChange(rows.map((row, at) => (at === index ? { ...row, [key]: value } : row)));
  }
  const listError = errorOf("rate_limits");
  return (
    <fieldset>
      <legend>Rate limits</legend>
      {rows.length === 0 ? <p className="muted">No rate limit of our own.</p> : null}
      {rows.map((row, index) => (
        <div className="rate-limit" key={index}>
          <Field
            name={`rate_limits.${index}.limit`}
            label={`Limit ${index + 1}: requests`}
            type="number"
            inputMode="numeric"
            value={row.limit}
            error={errorOf(`rate_limits.${index}.limit`)}
            onChange={(event) => update(index, "limit", event.target.value)}
          />
          <Field
            name={`rate_limits.${index}.period_seconds`}
            label={`Limit ${index + 1}: per seconds`}
            type="number"
            inputMode="decimal"
            step="any"
            value={row.period_seconds}
            error={errorOf(`rate_limits.${index}.period_seconds`)}
            onChange={(event) => update(index, "period_seconds", event.target.value)}
          />
          <button
            type="button"
            className="secondary"
            aria-label={`Remove limit ${index + 1}`}
            onClick={() => onChange(rows.filter((_, at) => at !== index))}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="secondary" onClick={() => onChange([...rows, { limit: "", period_seconds: "1" }])}>
        Add rate limit
      </button>
      {listError ? <FieldError name="rate_limits" reason={listError} /> : null}
    </fieldset>
  );
}
