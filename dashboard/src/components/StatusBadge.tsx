// A status as a coloured word: the word carries the meaning, colour only helps.
const TONES: Record<string, string> = {
  healthy: "good",
  processed: "good",
  success: "good",
  closed: "good",
  ok: "good",
  degraded: "warn",
  pending: "warn",
  processing: "warn",
  partial: "warn",
  half_open: "warn",
  running: "warn",
  unhealthy: "bad",
  dead: "bad",
  error: "bad",
  failure: "bad",
  open: "bad",
  stopped: "neutral",
  disabled: "neutral",
  unknown: "neutral",
  mock: "info",
};

export function StatusBadge({ status, label }: { status: string; label?: string }) {
  const tone = TONES[status] ?? "neutral";
  return <span className={`badge badge-${tone}`}>{label ?? status.replace("_", " ")}</span>;
}
