// The time ranges the Metrics page offers (the API allows at most 31 days).
export const RANGES = [
  { value: "1h", label: "Last hour", hours: 1 },
  { value: "6h", label: "Last 6 hours", hours: 6 },
  { value: "24h", label: "Last 24 hours", hours: 24 },
  { value: "7d", label: "Last 7 days", hours: 24 * 7 },
  { value: "30d", label: "Last 30 days", hours: 24 * 30 },
] as const;

export type RangeValue = (typeof RANGES)[number]["value"];

export function rangeOf(value: string | null): (typeof RANGES)[number] {
  return RANGES.find((range) => range.value === value) ?? RANGES[2];
}

/** [from, to) as RFC 3339, ending now. */
export function boundsOf(value: string, now: Date = new Date()): { from: string; to: string } {
  const hours = rangeOf(value).hours;
  return { from: new Date(now.getTime() - hours * 3600_000).toISOString(), to: now.toISOString() };
}

/** Axis label of a window start: the time of day for short ranges, the date for long ones. */
export function tickLabel(iso: string, value: string): string {
  const when = new Date(iso);
  return rangeOf(value).hours > 24
    ? when.toLocaleDateString(undefined, { month: "short", day: "numeric" })
    : when.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}
