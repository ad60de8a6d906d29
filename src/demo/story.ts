import type { DemoEvent, Emit } from "./timeline.js";

/** What the story drives: the demo's traffic, one sidecar, and the simulator's faults. */
export interface StoryStage {
  readonly emit: Emit;
  /** Subscribes to every event the demo emits; returns the unsubscribe function. */
  readonly events: (listener: (e: DemoEvent) => void) => () => void;
  /** Publishes `count` messages (a burst; one for the first message). */
  readonly publish: (count: number) => void;
  readonly burstSize: number;
  /** Kills the sidecar holding the key's lease; resolves with its name, undefined with none. */
  readonly killLeaseHolder: () => string | undefined;
  /** Makes Pulsar's admin API fail (every request answered 503), then heals it. */
  readonly pulsarDown: () => Promise<void>;
  readonly pulsarUp: () => Promise<void>;
  /** How long one chapter may wait for what it shows before the story fails. */
  readonly stepTimeoutMs: number;
  readonly now: () => number;
}

/** A chapter: what it does, then the event that shows it happened and what was measured. */
interface Chapter {
  readonly title: string;
  readonly start: string;
  readonly act: (s: StoryStage) => Promise<void> | void;
  /** The event that ends the chapter: returns what to report, or undefined to keep waiting. */
  readonly until: (e: DemoEvent) => string | undefined;
}

export interface StoryResult {
  readonly ok: boolean;
  readonly chapters: readonly { readonly title: string; readonly ms: number; readonly detail: string }[];
}

/** The demo's story (issue 14 item 7), in order; each chapter waits for its own proof. */
function chapters(stage: StoryStage): Chapter[] {
  let victim: string | undefined;
  return [
    {
      title: "scale from zero",
      start: "one message to an idle subscription: the hub pushes true and KEDA scales 0 -> 1",
      act: (s) => s.publish(1),
      until: (e) => (e.type === "scale" && e.from === 0 && e.to > 0 ? `0 -> ${e.to} replicas` : undefined),
    },
    {
      title: "scale out",
      start: `a burst of ${stage.burstSize} messages: the backlog grows and the HPA adds replicas`,
      act: (s) => s.publish(s.burstSize),
      until: (e) =>
        e.type === "scale" && e.to > e.from && e.to > 1 ? `${e.from} -> ${e.to} replicas` : undefined,
    },
    {
      title: "drain",
      start: "the consumers ack the backlog down to zero",
      act: () => {},
      until: (e) => (e.type === "drained" ? "backlog 0, IsActive false" : undefined),
    },
    {
      title: "scale to zero",
      start: "nothing comes for the cooldown: KEDA scales back to zero",
      act: () => {},
      until: (e) => (e.type === "scale" && e.to === 0 ? `${e.from} -> 0 replicas` : undefined),
    },
    {
      title: "sidecar failover",
      start: "the sidecar holding the lease is killed: its key moves to another sidecar or the hub",
      act: (s) => {
        victim = s.killLeaseHolder();
      },
      until: (e) =>
        e.type === "lease" && (victim === undefined || e.previous === victim)
          ? `lease moved ${e.previous} -> ${e.holder}`
          : undefined,
    },
    {
      title: "Pulsar unreachable",
      start: "Pulsar's admin API fails: once the newest observation is stale, KEDA is told UNAVAILABLE",
      act: (s) => s.pulsarDown(),
      until: (e) => (e.type === "unavailable" ? `KEDA got ${e.code}` : undefined),
    },
    {
      title: "recovery",
      start: "Pulsar is back: fresh observations, KEDA reads the metric again",
      act: (s) => s.pulsarUp(),
      until: (e) => (e.type === "metrics" ? `backlog ${e.backlog} served again` : undefined),
    },
  ];
}

/**
 * Runs the story once, narrating each chapter on the timeline; resolves with what each took. A
 * chapter whose proof does not come within stepTimeoutMs ends the story (not ok), or `stop` does.
 */
export async function runStory(stage: StoryStage, stopped: Promise<unknown>): Promise<StoryResult> {
  const list = chapters(stage);
  const done: { title: string; ms: number; detail: string }[] = [];
  for (const [i, ch] of list.entries()) {
    const index = i + 1;
    stage.emit({ type: "chapter", index, of: list.length, state: "start", text: `${ch.title}: ${ch.start}` });
    const startedAt = stage.now();
    let unsubscribe = (): void => {};
    let timer: NodeJS.Timeout | undefined;
    const proof = new Promise<string | undefined>((resolve) => {
      unsubscribe = stage.events((e) => {
        const detail = ch.until(e);
        if (detail !== undefined) resolve(detail);
      });
      timer = setTimeout(() => resolve(undefined), stage.stepTimeoutMs);
      void stopped.then(() => resolve(undefined));
    });
    try {
      await ch.act(stage);
      const detail = await proof;
      if (detail === undefined) {
        const message = `${ch.title}: not shown within ${stage.stepTimeoutMs} ms`;
        stage.emit({ type: "problem", source: "story", message });
        return { ok: false, chapters: done };
      }
      const ms = stage.now() - startedAt;
      done.push({ title: ch.title, ms, detail });
      stage.emit({ type: "chapter", index, of: list.length, state: "done", text: detail, ms });
    } finally {
      unsubscribe();
      clearTimeout(timer);
    }
  }
  stage.emit({ type: "story-summary", chapters: done });
  return { ok: true, chapters: done };
}
