// Retry one delivery and follow it until the worker has run it again (or a deadline passes).
import { api } from "../../api/endpoints";
import type { WebhookEvent } from "../../api/types";

const POLL_MS = 500;
const DEADLINE_MS = 10_000;

// The worker counts an attempt when it claims the event, so `processing` with more attempts is
// still running: only a status the attempt ended in settles it.
const running = (event: WebhookEvent) => event.status === "processing" || event.status === "pending";
const settled = (before: WebhookEvent, now: WebhookEvent) =>
  now.status === "processed" || now.status === "dead" || (now.attempts > before.attempts && !running(now));

/** POST .../retry, then the event as it is after the next attempt; `onChange` sees every state. */
export async function retryAndFollow(
  before: WebhookEvent,
  onChange: (event: WebhookEvent) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<WebhookEvent> {
  await api.retryWebhookEvent(before.id);
  const started = Date.now();
  for (;;) {
    const now = await api.webhookEvent(before.id);
    onChange(now);
    if (settled(before, now) || Date.now() - started > DEADLINE_MS) return now;
    await sleep(POLL_MS);
  }
}
