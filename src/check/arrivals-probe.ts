import {
  partitionName,
  type ArrivalSource,
  type ArrivalStatus,
  type ArrivalSubscription,
  type TopicName,
  type WebSocketAnswer,
} from "../pulsar/index.js";

function answerOf(s: ArrivalStatus): WebSocketAnswer {
  switch (s.kind) {
    case "connected":
      return { kind: "answered" };
    case "unavailable":
      return { kind: "unavailable" };
    case "disconnected":
      return { kind: "failed", error: s.error.message };
  }
}

/**
 * Asks the WebSocket service once, as the hub's watcher would: a reader from `latest` on the
 * topic (its first partition when partitioned), whose first status is the answer; then closed.
 * Called only after the topic's stats were read, so the reader never creates the topic. The
 * reader's own upgrade deadline (the request timeout) bounds the wait.
 */
export async function askWebSocket(
  arrivals: ArrivalSource,
  topic: TopicName,
  partitions: number,
): Promise<WebSocketAnswer> {
  const target = partitions > 0 ? partitionName(topic, 0) : topic;
  let sub: ArrivalSubscription | undefined;
  const answer = await new Promise<WebSocketAnswer>((resolve) => {
    sub = arrivals.subscribe(
      target,
      0,
      () => undefined,
      (s) => resolve(answerOf(s)),
    );
  });
  await sub?.close();
  return answer;
}
