/**
 * The server's event stream (`GET /events`, server-sent events): every event gets a
 * sequence number; the last few thousand are kept so a client that reconnects with
 * `Last-Event-ID` misses nothing; each client's stream is written as events arrive.
 */
export interface Published {
  seq: number;
  type: string;
  data: string;
}

const KEEP = 20_000;
const encoder = new TextEncoder();

export class EventHub {
  private seq = 0;
  private readonly kept: Published[] = [];
  private readonly clients = new Set<ReadableStreamDefaultController<Uint8Array>>();

  publish(event: { type: string; [key: string]: unknown }): void {
    const item = { seq: ++this.seq, type: event.type, data: JSON.stringify(event) };
    this.kept.push(item);
    if (this.kept.length > KEEP) this.kept.splice(0, this.kept.length - KEEP);
    const bytes = encoder.encode(frame(item));
    for (const client of this.clients) {
      try {
        client.enqueue(bytes);
      } catch {
        this.clients.delete(client); // a closed stream
      }
    }
  }

  /** An SSE response: what came after `lastId`, then everything new, with a comment every 15 s to keep it open. */
  stream(lastId: number | null, signal: AbortSignal): Response {
    let heartbeat: ReturnType<typeof setInterval>;
    let self: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        self = controller;
        controller.enqueue(encoder.encode(": rig events\nretry: 1000\n\n"));
        if (lastId !== null) for (const item of this.kept) if (item.seq > lastId) controller.enqueue(encoder.encode(frame(item)));
        this.clients.add(controller);
        heartbeat = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(": keep-alive\n\n"));
          } catch {
            clearInterval(heartbeat);
          }
        }, 15_000);
        signal.addEventListener("abort", () => {
          clearInterval(heartbeat);
          this.clients.delete(controller);
          try {
            controller.close();
          } catch {
            // already closed
          }
        });
      },
      cancel: () => {
        clearInterval(heartbeat);
        this.clients.delete(self);
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-store", "X-Accel-Buffering": "no" } });
  }

  get published(): number {
    return this.seq;
  }
}

const frame = (item: Published): string => `id: ${item.seq}\nevent: ${item.type}\ndata: ${item.data}\n\n`;
