/**
 * Chat is a command, not a document write: the server checks the text, fills in the author from the
 * token and the time from its clock, then appends to `chat`. A refusal (muted, too fast) shows here.
 */
import type { ChatMessage } from '@pocdojo/sdk/dojo-documents';
import type { DojoConnection } from '@pocdojo/sdk/dojo-connection';
import { useEffect, useRef, useState } from 'preact/hooks';

export function ChatPanel({
  connection,
  messages,
  muted,
}: {
  connection: DojoConnection;
  messages: ChatMessage[];
  muted: boolean;
}) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const list = useRef<HTMLOListElement>(null);
  // Someone reading back up the history is not pulled down by a new message.
  const following = useRef(true);

  // The list scrolls itself: scrollIntoView would also scroll the page, and on a phone push the
  // dojo's header off the screen as soon as the chat has a history.
  const toLatest = () => {
    const element = list.current;
    if (element && following.current) element.scrollTop = element.scrollHeight;
  };
  useEffect(toLatest, [messages.length]);
  // Shown again after another tab, or squeezed by a phone's keyboard: the latest message stays in view.
  useEffect(() => {
    const observer = new ResizeObserver(toLatest);
    if (list.current) observer.observe(list.current);
    return () => observer.disconnect();
  }, []);

  async function send(event: SubmitEvent) {
    event.preventDefault();
    const text = draft.trim();
    if (!text) return;
    setSending(true);
    const reply = await connection.send('chat', { text });
    setSending(false);
    if (reply.ok) {
      setDraft('');
      setError(undefined);
    } else setError(reply.error.message);
  }

  return (
    <section class="chat" aria-label="Chat">
      <ol
        class="messages"
        ref={list}
        aria-live="polite"
        aria-relevant="additions"
        onScroll={(event) => {
          const element = event.currentTarget;
          following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {messages.map((message) => (
          <li class={message.authorId === connection.self.userId ? 'message own' : 'message'}>
            <span class="author">{message.authorName}</span>
            <time class="muted" dateTime={new Date(message.at).toISOString()}>
              {new Date(message.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
            </time>
            <p>{message.text}</p>
          </li>
        ))}
      </ol>
      {messages.length === 0 && <p class="muted">No messages yet.</p>}
      <form class="chat-form" onSubmit={(event) => void send(event)}>
        <label for="chat-input" class="visually-hidden">
          Message
        </label>
        <input
          id="chat-input"
          value={draft}
          maxLength={2000}
          placeholder={muted ? 'You are muted' : 'Message everyone…'}
          disabled={muted}
          onInput={(event) => setDraft(event.currentTarget.value)}
          autoComplete="off"
        />
        <button type="submit" class="primary" disabled={muted || sending || !draft.trim()}>
          Send
        </button>
      </form>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
