import { useState, type FormEvent } from "react";
import type { IntegrationSummary } from "../../api/types";
import { IntegrationSelect } from "../../components/IntegrationSelect";

export interface CallFilterValues {
  integration: string;
  status: string;
  operation: string;
  since: string; // datetime-local
  until: string;
}

export function CallFilters({ integrations, initial, onApply }: {
  integrations: IntegrationSummary[];
  initial: CallFilterValues;
  onApply: (filters: CallFilterValues) => void;
}) {
  const [filters, setFilters] = useState(initial);
  const set = (key: keyof CallFilterValues, value: string) => setFilters((f) => ({ ...f, [key]: value }));
  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(filters);
  }
  return (
    <form className="filters" onSubmit={submit} aria-label="Filter calls">
      <IntegrationSelect id="calls-integration" integrations={integrations} value={filters.integration}
        onChange={(name) => set("integration", name)} />
      <div className="field">
        <label htmlFor="calls-status">Outcome</label>
        <select id="calls-status" name="status" value={filters.status} onChange={(e) => set("status", e.target.value)}>
          <option value="">Any outcome</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="calls-operation">Operation</label>
        <input id="calls-operation" name="operation" value={filters.operation} placeholder="e.g. get_document_status"
          onChange={(e) => set("operation", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="calls-since">Since</label>
        <input id="calls-since" name="since" type="datetime-local" value={filters.since} onChange={(e) => set("since", e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="calls-until">Until</label>
        <input id="calls-until" name="until" type="datetime-local" value={filters.until} onChange={(e) => set("until", e.target.value)} />
      </div>
      <button type="submit">Apply filters</button>
    </form>
  );
}
