import { useState, type FormEvent } from "react";
import { ApiError } from "../../api/client";
import { api } from "../../api/endpoints";
import type { SyncSchedule } from "../../api/opsTypes";
import { ErrorAlert } from "../../components/ErrorAlert";
import { Field } from "../../components/Field";
import { parseNumber } from "../config/configForm";

const NUMBERS = [
  { name: "incrementalMinutes", label: "Incremental sync every (minutes, 1–1440)" },
  { name: "fullHour", label: "Full sync at hour (0–23)" },
  { name: "fullMinute", label: "Full sync at minute (0–59)" },
] as const;
type NumberKey = (typeof NUMBERS)[number]["name"];

/** The sync schedule; the server checks ranges and the time zone, its errors sit by the fields.
 * The page keys it by the schedule's `updatedAt`, so a stop or restart elsewhere refills it. */
export function ScheduleForm({ schedule, onSaved }: { schedule: SyncSchedule; onSaved: (s: SyncSchedule) => void }) {
  const [numbers, setNumbers] = useState<Record<NumberKey, string>>({
    incrementalMinutes: String(schedule.incrementalMinutes),
    fullHour: String(schedule.fullHour),
    fullMinute: String(schedule.fullMinute),
  });
  const [timezone, setTimezone] = useState(schedule.timezone);
  const [paused, setPaused] = useState(schedule.paused);
  const [error, setError] = useState<unknown>(null);
  const errorOf = (name: string) => (error instanceof ApiError ? error.fieldReason(name) : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = { timezone: timezone.trim(), paused };
    for (const field of NUMBERS) body[field.name] = parseNumber(numbers[field.name]);
    setError(null);
    try {
      const saved = await api.syncSchedule(schedule.integration, body);
      onSaved(saved);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Schedule" className="config-form">
      {error ? <ErrorAlert error={error} integration={schedule.integration} title="Schedule not saved" /> : null}
      <div className="field-grid">
        {NUMBERS.map((field) => (
          <Field key={field.name} name={field.name} label={field.label} type="number" inputMode="numeric"
            value={numbers[field.name]} error={errorOf(field.name)}
            onChange={(e) => setNumbers((n) => ({ ...n, [field.name]: e.target.value }))} />
        ))}
        <Field name="timezone" label="Time zone (IANA, e.g. Asia/Seoul)" value={timezone} error={errorOf("timezone")}
          onChange={(e) => setTimezone(e.target.value)} />
      </div>
      <Field name="paused" label="Paused" type="checkbox" checked={paused} error={errorOf("paused")}
        onChange={(e) => setPaused(e.target.checked)} />
      <div className="form-actions">
        <button type="submit">Save schedule</button>
      </div>
    </form>
  );
}
