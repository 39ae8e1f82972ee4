/** Questions at the terminal for `pocdojo login`; the password is not echoed. */
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

export async function ask(question: string, options: { hidden?: boolean } = {}): Promise<string> {
  let muted = false;
  // The answer to a hidden question is typed into an output that drops what it is given.
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const lines = createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
  try {
    process.stdout.write(question);
    muted = options.hidden === true;
    const answer = await lines.question('');
    if (muted) process.stdout.write('\n');
    return answer.trim();
  } finally {
    lines.close();
  }
}
