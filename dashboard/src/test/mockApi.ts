// Fake API at the client's boundary: `fetch` answers from a route table, and every request is
// recorded so tests can assert what was sent.
import { vi } from "vitest";

export interface Sent {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: unknown;
}

export interface Reply {
  status?: number;
  body?: unknown;
  text?: string;
}

type Handler = Reply | ((sent: Sent) => Reply | Promise<Reply>);

/** `routes` maps "METHOD /path" (no query) to a reply; an unknown route is a 404 the test sees. */
export function mockApi(routes: Record<string, Handler | Handler[]>) {
  const sent: Sent[] = [];
  const queues = new Map<string, Handler[]>();
  for (const [key, value] of Object.entries(routes)) queues.set(key, Array.isArray(value) ? [...value] : [value]);

  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), "http://dashboard.test");
    const method = (init.method ?? "GET").toUpperCase();
    const request: Sent = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    sent.push(request);
    const queue = queues.get(`${method} ${url.pathname}`);
    if (!queue || queue.length === 0) {
      return json(404, { error: { code: "not_found", message: `no mock for ${method} ${url.pathname}`, trace_id: "t-missing" } });
    }
    // The last reply repeats; earlier ones answer one request each (a status that changes).
    const handler = queue.length > 1 ? queue.shift()! : queue[0];
    const reply = typeof handler === "function" ? await handler(request) : handler;
    if (reply.text !== undefined) return new Response(reply.text, { status: reply.status ?? 200 });
    return json(reply.status ?? 200, reply.body ?? {});
  });
  vi.stubGlobal("fetch", fetchMock);
  return {
    sent,
    /** Requests sent to `METHOD /path`. */
    to: (method: string, path: string) => sent.filter((s) => s.method === method && s.path === path),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A never-answering request, for asserting loading states. */
export function pending(): Handler {
  return () => new Promise<Reply>(() => {});
}
