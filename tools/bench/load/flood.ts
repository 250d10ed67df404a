/**
 * The report flood of issue 13, item 3: one agent sending ~59 KB error reports
 * as fast as it can over keep-alive connections, ignoring 429 and Retry-After
 * (a hostile or broken agent), each with a new `report_id` so none is a retry.
 */
import type { Fleet } from "./fleet.ts";
import { sleep } from "./pool.ts";
import { RawHttpConnection } from "./raw_http.ts";

const encoder = new TextEncoder();

/** The bytes of a JSON POST to `url` with `headers`. */
export function encodePost(url: URL, headers: Record<string, string>, body: string): Uint8Array {
  const payload = encoder.encode(body);
  const lines = [
    `POST ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    "content-type: application/json",
    `content-length: ${payload.length}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  const head = encoder.encode(lines.join("\r\n") + "\r\n\r\n");
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

/** A report of about `bytes` bytes of JSON, most of it in details and the stack trace. */
export function floodReport(n: number, bytes: number): string {
  const filler = Math.max(0, bytes - 600);
  return JSON.stringify({
    error_type: "UpdateExtractionFailed",
    message: `extraction failed (flood ${n})`,
    timestamp: new Date().toISOString(),
    agent_version: "1.0.0",
    stack_trace: "at extract (zip.ts:1)\n".repeat(Math.floor(filler / 3 / 22)),
    details: { log_tail: "x".repeat(Math.floor((filler * 2) / 3)), attempt: n },
    report_id: `flood-${crypto.randomUUID()}`,
  });
}

export class ReportFlood {
  #running = true;
  #n = 0;
  readonly counts = { stored: 0, limited: 0, other: 0, errors: 0 };
  lastError = "";
  readonly #loops: Promise<void>[];
  readonly #started = performance.now();

  constructor(fleet: Fleet, agent: number, concurrency: number, readonly bytes: number) {
    const url = new URL("/api/agent/report-error", fleet.serverUrl);
    const headers = fleet.headers(agent);
    this.#loops = Array.from({ length: concurrency }, () => this.#loop(url, headers));
  }

  async #loop(url: URL, headers: Record<string, string>) {
    let conn: RawHttpConnection | null = null;
    while (this.#running) {
      try {
        conn ??= await RawHttpConnection.open(url);
        const reply = await conn.request(
          encodePost(url, headers, floodReport(this.#n++, this.bytes)),
          false,
          30_000,
        );
        if (reply.status === 204) this.counts.stored++;
        else if (reply.status === 429) this.counts.limited++;
        else this.counts.other++;
      } catch (error) {
        this.counts.errors++;
        this.lastError = (error as Error).message;
        conn?.close();
        conn = null;
        await sleep(50);
      }
    }
    conn?.close();
  }

  async stop() {
    this.#running = false;
    await Promise.all(this.#loops);
    const seconds = (performance.now() - this.#started) / 1000;
    return { ...this.counts, sent: this.#n, seconds, last_error: this.lastError };
  }
}
