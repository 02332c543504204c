import { useState, type FormEvent } from "react";
import type { IntegrationSummary } from "../../api/types";
import { IntegrationSelect } from "../../components/IntegrationSelect";

export interface EventFilters {
  integration: string;
  status: string;
  event_type: string;
  received_from: string; // datetime-local, the browser's zone
  received_to: string;
}

export const NO_FILTERS: EventFilters = { integration: "", status: "", event_type: "", received_from: "", received_to: "" };
const STATUSES = ["", "pending", "processing", "processed", "dead"];

export function WebhookFilters({ integrations, initial, onApply }: {
  integrations: IntegrationSummary[];
  initial: EventFilters;
  onApply: (filters: EventFilters) => void;
}) {
  const [filters, setFilters] = useState(initial);
  const set = (key: keyof EventFilters, value: string) => setFilters((f) => ({ ...f, [key]: value }));
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(filters);
  }
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter webhook events">
      <IntegrationSelect id="webhook-integration" integrations={integrations} value={filters.integration} allowAll
        onChange={(name) => set("integration", name)} />
      <div className="field">
        <label htmlFor="webhook-status">Status</label>
        <select id="webhook-status" name="status" value={filters.status} onChange={(e) => set("status", e.target.value)}>
          {STATUSES.map((s) => <option key={s} value={s}>{s || "Any status"}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="webhook-type">Event type</label>
        <input id="webhook-type" name="event_type" value={filters.event_type} placeholder="e.g. document_state_changed"
          onChange={(e) => set("event_type", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="webhook-from">Received from</label>
        <input id="webhook-from" name="received_from" type="datetime-local" value={filters.received_from}
          onChange={(e) => set("received_from", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="webhook-to">Received before</label>
        <input id="webhook-to" name="received_to" type="datetime-local" value={filters.received_to}
          onChange={(e) => set("received_to", e.target.value)} />
      </div>
      <button type="submit">Apply filters</button>
    </form>
  );
}
