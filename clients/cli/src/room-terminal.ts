/**
 * The terminal of `pocdojo join`: the room's sentences scroll above a prompt whose text is the room's
 * status (phase, time left, the pair, read-only or not, online or reconnecting, unsynced edits; on a
 * terminal it is refreshed every second). A typed line is a chat message; `r` runs the tests; a few
 * slash commands do the rest. Ctrl-C or `/quit` leaves.
 */
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { commandArgsSchemas } from '@pocdojo/sdk/dojo-protocol';
import type { JoinedDojo, RoomLine } from './joined-dojo.ts';

export const terminalHelp = [
  'Type a line to chat.  r or /run: run the tests   /drive: ask to drive   /hand: raise or lower your hand',
  '/status: where the room is   /help: this help   /quit or Ctrl-C: leave (the folder keeps the last synced files)',
].join('\n');

export class RoomTerminal {
  private readonly lines: Interface;
  private readonly interactive: boolean;
  private joined: JoinedDojo | undefined;
  private handRaised = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly input: NodeJS.ReadableStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stdout,
  ) {
    this.interactive = Boolean(output.isTTY);
    this.lines = createInterface({ input, output, terminal: this.interactive });
  }

  /** Prints a sentence above the prompt. */
  readonly say = (line: RoomLine | { text: string }): void => {
    if (this.interactive) {
      clearLine(this.output, 0);
      cursorTo(this.output, 0);
    }
    this.output.write(`${line.text}\n`);
    if (this.joined && this.interactive) this.lines.prompt(true);
  };

  /** Runs the prompt until the person leaves; resolves then. */
  run(joined: JoinedDojo): Promise<void> {
    this.joined = joined;
    this.say({ text: terminalHelp });
    this.refreshPrompt();
    if (this.interactive) this.ticker = setInterval(() => this.refreshPrompt(), 1000);
    return new Promise((resolve) => {
      let left = false;
      const leave = () => {
        if (left) return;
        left = true;
        if (this.ticker) clearInterval(this.ticker);
        // What follows starts on a line of its own, not after the prompt.
        if (this.interactive) this.output.write('\n');
        this.lines.close();
        resolve();
      };
      this.lines.on('SIGINT', leave);
      this.lines.on('close', leave);
      // Without a terminal (input piped in) readline sees no Ctrl-C: the signals come to the process.
      process.once('SIGINT', leave).once('SIGTERM', leave);
      this.lines.on('line', (text) => {
        void this.handle(text.trim(), leave);
      });
    });
  }

  private refreshPrompt(): void {
    if (!this.joined) return;
    this.lines.setPrompt(`[${this.joined.status()}] > `);
    if (this.interactive) this.lines.prompt(true);
  }

  private async handle(text: string, leave: () => void): Promise<void> {
    const joined = this.joined;
    if (!joined || text === '') return this.refreshPrompt();
    if (text === '/quit') return leave();
    if (text === '/help') return this.say({ text: terminalHelp });
    if (text === '/status') return this.say({ text: joined.status() });
    if (text.startsWith('/') && !['/run', '/drive', '/hand'].includes(text))
      return this.say({ text: `✗ unknown command ${text}; /help lists them` });
    if (!text.startsWith('/') && text !== 'r' && !commandArgsSchemas.chat.safeParse({ text }).success)
      return this.say({ text: '✗ a chat message holds at most 2000 characters' });
    const reply =
      text === 'r' || text === '/run'
        ? await joined.runTests()
        : text === '/drive'
          ? await joined.requestDrive()
          : text === '/hand'
            ? await joined.raiseHand((this.handRaised = !this.handRaised))
            : await joined.chat(text);
    if (!reply.ok) this.say({ text: `✗ ${reply.error.message}` });
    this.refreshPrompt();
  }
}
