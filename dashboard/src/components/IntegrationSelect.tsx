import type { IntegrationSummary } from "../api/types";

interface Props {
  id: string;
  integrations: IntegrationSummary[];
  value: string;
  onChange: (name: string) => void;
  /** Offer "All integrations" (value "") first. */
  allowAll?: boolean;
  label?: string;
}

/** Pick one connector by name; disabled ones are marked so an empty page makes sense. */
export function IntegrationSelect({ id, integrations, value, onChange, allowAll, label = "Integration" }: Props) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name="integration" value={value} onChange={(event) => onChange(event.target.value)}>
        {allowAll ? <option value="">All integrations</option> : null}
        {integrations.map((item) => (
          <option key={item.name} value={item.name}>
            {item.name}
            {item.config.enabled ? "" : " (disabled)"}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The first enabled connector (else the first): what a page shows before one is picked. */
export function defaultIntegration(integrations: IntegrationSummary[]): string {
  return (integrations.find((item) => item.config.enabled) ?? integrations[0])?.name ?? "";
}
