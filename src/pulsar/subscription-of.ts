import { SubscriptionNotFoundError } from "./errors.js";
import type { SubscriptionSnapshot, TopicSnapshot } from "./snapshot.js";
import { topicToString } from "./topic-name.js";

/**
 * The named durable subscription of a snapshot. Throws SubscriptionNotFoundError when it is not
 * there (like KEDA's built-in pulsar scaler, a missing subscription is an error, never a 0).
 */
export function subscriptionOf(snapshot: TopicSnapshot, name: string): SubscriptionSnapshot {
  const sub = snapshot.subscriptions.get(name);
  if (sub === undefined) {
    const topic = topicToString(snapshot.topic);
    // PulsarError appends the topic in brackets: "... not in the topic's stats (persistent://...)".
    throw new SubscriptionNotFoundError(
      `subscription ${JSON.stringify(name)} not in the topic's stats`,
      topic,
    );
  }
  return sub;
}
