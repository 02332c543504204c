import type { ConfigChange } from "../../api/types";
import { DataTable, type Column } from "../../components/DataTable";
import { formatTime } from "../../format";

function flatten(value: unknown, prefix = "", out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out[prefix] = JSON.stringify(value);
  }
  return out;
}

/** "retry.max_attempts: 3 → 4" for every setting that differs between two versions. */
export function describeChange(change: ConfigChange): string[] {
  if (change.old === null) return ["first stored configuration"];
  const before = flatten(change.old);
  const after = flatten(change.new);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return keys
    .filter((key) => before[key] !== after[key])
    .map((key) => `${key}: ${before[key] ?? "—"} → ${after[key] ?? "—"}`);
}

const COLUMNS: Column<ConfigChange>[] = [
  { header: "Version", numeric: true, render: (c) => c.version },
  { header: "When", render: (c) => formatTime(c.changed_at) },
  { header: "By", render: (c) => c.changed_by },
  {
    header: "Changes",
    render: (c) => (
      <ul className="changes">
        {describeChange(c).map((line) => <li key={line}>{line}</li>)}
      </ul>
    ),
  },
];

export function ConfigHistory({ name, changes }: { name: string; changes: ConfigChange[] }) {
  return (
    <section aria-labelledby="config-history">
      <h2 id="config-history">Change history</h2>
      <DataTable caption={`Configuration changes of ${name}`} columns={COLUMNS} rows={changes}
        rowKey={(c) => c.version} empty={`No configuration changes of ${name} yet`} />
    </section>
  );
}
