import type { ServerWritableStream } from "@grpc/grpc-js";

/** One open server stream: `closed` turns true once it ended for any reason. */
export interface OpenStream {
  readonly closed: boolean;
  /** Runs once when the stream ends (client cancel, error, or our end()). */
  onClose(fn: () => void): void;
}

/**
 * The open server streams of one service, so shutdown can end each with status OK (tryShutdown
 * waits for open streams forever). Cleanup runs once on 'cancelled', 'close', 'error' or 'finish'.
 */
export class StreamSet {
  private readonly open = new Set<() => void>();

  add<Req, Res>(call: ServerWritableStream<Req, Res>, onCount: (delta: number) => void): OpenStream {
    let closed = false;
    const cleanups: Array<() => void> = [];
    const end = (): void => {
      if (!closed) call.end();
    };
    const close = (): void => {
      if (closed) return;
      closed = true;
      this.open.delete(end);
      onCount(-1);
      for (const fn of cleanups.splice(0)) fn();
    };
    for (const ev of ["cancelled", "close", "error", "finish"]) call.once(ev, close);
    this.open.add(end);
    onCount(1);
    return {
      get closed() {
        return closed;
      },
      onClose(fn) {
        if (closed) fn();
        else cleanups.push(fn);
      },
    };
  }

  /** Ends every open stream with status OK; returns how many. */
  endAll(): number {
    const ends = [...this.open];
    for (const end of ends) {
      try {
        end();
      } catch {
        // the stream is gone already; its listeners clean up
      }
    }
    return ends.length;
  }

  get size(): number {
    return this.open.size;
  }
}
