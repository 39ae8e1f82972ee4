/**
 * The loopback listener of a native sign-in (RFC 8252 §7.3): `http://127.0.0.1:<port>/callback` on a
 * port the system picks, waiting for the one browser redirect that ends a company sign-in. It hands
 * the redirect's parameters to the caller, who answers the browser once it knows how the sign-in ended.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRedirect {
  /** What the browser came back with (`code` and `state`, or `error` and `error_description`). */
  parameters: URLSearchParams;
  /** Answers the browser's tab with a short page; the listener stops once it is sent. */
  answer(page: { status: number; title: string; text: string }): Promise<void>;
}

export interface LoopbackListener {
  redirectUri: string;
  /** The first request to `/callback`; rejects with `timeoutMessage` when none comes in time. */
  redirect(timeoutMs: number, timeoutMessage: string): Promise<LoopbackRedirect>;
  close(): Promise<void>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const page = (title: string, text: string) =>
  `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<body style="font-family: system-ui, sans-serif; margin: 3rem"><h1>${escapeHtml(title)}</h1>` +
  `<p>${escapeHtml(text)}</p></body>`;

export async function listenOnLoopback(): Promise<LoopbackListener> {
  let arrived: (redirect: LoopbackRedirect) => void = () => undefined;
  const arrival = new Promise<LoopbackRedirect>((resolve) => (arrived = resolve));
  let answered = false;
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // Browsers also ask for a favicon, and anything else on the machine may knock: only the one
    // redirect to /callback counts.
    if (request.method !== 'GET' || url.pathname !== '/callback' || answered) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    answered = true;
    arrived({ parameters: url.searchParams, answer: (reply) => send(response, reply) });
  });
  const send = async (response: ServerResponse, reply: { status: number; title: string; text: string }) => {
    await new Promise<void>((resolve) =>
      response
        .writeHead(reply.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(page(reply.title, reply.text), resolve),
    );
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    async redirect(timeoutMs, timeoutMessage) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(timeoutMessage)), timeoutMs);
      });
      try {
        return await Promise.race([arrival, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
