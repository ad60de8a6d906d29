import type { Clock } from "../../lib/clock.js";

interface Bucket {
  start: number;
  count: number;
  bytes: number;
}

/**
 * Events per second over a sliding window (Pulsar's stats cover the last stats interval, 60 s by
 * default). Events fall in buckets of a tenth of the window; buckets older than the window drop out.
 */
export class RateWindow {
  private readonly buckets: Bucket[] = [];
  private readonly bucketMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {
    this.bucketMs = Math.max(1, Math.floor(windowMs / 10));
  }

  record(count: number, bytes = 0): void {
    const now = this.clock.now();
    const start = now - (now % this.bucketMs);
    const last = this.buckets[this.buckets.length - 1];
    if (last && last.start === start) {
      last.count += count;
      last.bytes += bytes;
    } else {
      this.buckets.push({ start, count, bytes });
    }
    this.prune(now);
  }

  /** Events per second over the window. */
  rate(): number {
    return this.sum().count / (this.windowMs / 1000);
  }

  /** Bytes per second over the window. */
  throughput(): number {
    return this.sum().bytes / (this.windowMs / 1000);
  }

  private sum(): { count: number; bytes: number } {
    this.prune(this.clock.now());
    let count = 0;
    let bytes = 0;
    for (const b of this.buckets) {
      count += b.count;
      bytes += b.bytes;
    }
    return { count, bytes };
  }

  private prune(now: number): void {
    while (this.buckets.length > 0 && (this.buckets[0]?.start ?? 0) + this.bucketMs <= now - this.windowMs) {
      this.buckets.shift();
    }
  }
}
