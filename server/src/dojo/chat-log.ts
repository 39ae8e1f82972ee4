import { randomUUID } from 'node:crypto';
import type * as Y from 'yjs';
import { chatMessages, type ChatMessage } from '@pocdojo/shared/contract/dojo-documents';

/**
 * The chat of a dojo: an append-only Y.Array that only the server writes. The author comes from the
 * verified token and the time from the server's clock, never from the client. Each sender has a small
 * token bucket (a burst, then a steady rate) per node, which is where their socket is.
 */
export class ChatLog {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limits: { burst: number; perSecond: number } = { burst: 5, perSecond: 1 }) {}

  /** Takes one message from the sender's budget; false when they are over it. */
  allow(senderKey: string, now: number): boolean {
    const bucket = this.buckets.get(senderKey) ?? { tokens: this.limits.burst, at: now };
    const tokens = Math.min(this.limits.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limits.perSecond);
    if (tokens < 1) {
      this.buckets.set(senderKey, { tokens, at: now });
      return false;
    }
    this.buckets.set(senderKey, { tokens: tokens - 1, at: now });
    // Forget full buckets now and then so the map does not grow with every sender ever seen.
    if (this.buckets.size > 10_000) {
      for (const [key, value] of this.buckets) if (value.tokens >= this.limits.burst - 1) this.buckets.delete(key);
    }
    return true;
  }

  /** Appends one message to the chat document (call inside the server's transaction). */
  static append(doc: Y.Doc, author: { userId: string; name: string }, text: string, at: number): ChatMessage {
    const message: ChatMessage = { id: randomUUID(), authorId: author.userId, authorName: author.name, text, at };
    chatMessages(doc).push([message]);
    return message;
  }
}
