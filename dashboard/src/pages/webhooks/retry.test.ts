import { describe, expect, it, vi } from "vitest";
import { deadEvent, deadEventDetail } from "../../test/fixtures/webhooks";
import { mockApi } from "../../test/mockApi";
import { retryAndFollow } from "./retry";

describe("retryAndFollow", () => {
  it("follows the event while it is queued until the worker's attempt shows", async () => {
    const queued = { ...deadEventDetail, status: "pending" as const, next_attempt_at: "2026-12-07T15:30:00+00:00" };
    const done = { ...deadEventDetail, status: "processed" as const, attempts: 6, last_error: null };
    const api = mockApi({
      "POST /api/v1/webhook-events/7/retry": { body: { queued: 1 } },
      "GET /api/v1/webhook-events/7": [{ body: queued }, { body: queued }, { body: done }],
    });
    const seen: string[] = [];
    const sleep = vi.fn(async () => {});
    const last = await retryAndFollow(deadEvent, (event) => seen.push(event.status), sleep);
    expect(seen).toEqual(["pending", "pending", "processed"]);
    expect(last.attempts).toBe(6);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(api.to("POST", "/api/v1/webhook-events/7/retry")).toHaveLength(1);
  });

  it("keeps following while the worker's attempt runs (claimed: attempts already counted)", async () => {
    const running = { ...deadEventDetail, status: "processing" as const, attempts: 6 };
    const done = { ...deadEventDetail, status: "processed" as const, attempts: 6, last_error: null };
    mockApi({
      "POST /api/v1/webhook-events/7/retry": { body: { queued: 1 } },
      "GET /api/v1/webhook-events/7": [{ body: running }, { body: done }],
    });
    const seen: string[] = [];
    const last = await retryAndFollow(deadEvent, (event) => seen.push(event.status), async () => {});
    expect(seen).toEqual(["processing", "processed"]);
    expect(last.status).toBe("processed");
  });

  it("stops at a new failed attempt too (dead again, one more attempt)", async () => {
    mockApi({
      "POST /api/v1/webhook-events/7/retry": { body: { queued: 1 } },
      "GET /api/v1/webhook-events/7": { body: { ...deadEventDetail, attempts: 6 } },
    });
    const last = await retryAndFollow(deadEvent, () => {}, async () => {});
    expect(last.status).toBe("dead");
  });
});
