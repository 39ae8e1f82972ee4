import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunFiles } from '@pocdojo/shared/contract/runs';
import type { CheckVerdict, CodeCheck } from '../start-point.ts';
import { typeCheckReplySchema, type TypeCheckReply, type TypeCheckRequest } from './type-check-messages.ts';

const checkerScript = fileURLToPath(new URL('./type-check-process.ts', import.meta.url));

interface Pending {
  resolve(reply: TypeCheckReply): void;
  reject(error: Error): void;
}

/**
 * TypeScript's type check for the TypeScript start point, run beside the sandboxed run (esbuild only
 * strips types): a type error makes the run amber, like a compile error in the other languages.
 *
 * A fresh `tsc --noEmit` per run takes seconds (it parses the standard library and Node's types each
 * time), more than a run may add, so the checker is a long-lived child process (./type-check-process.ts)
 * keeping TypeScript's language service warm: a kata then checks in tens of milliseconds. A child, not
 * the runner's own thread, so a pathological type cannot stall the runner: it is killed at the run's wall
 * time (the run is amber, "timed out"), and a crash only costs the next check a cold start. It reads
 * only the submitted files, TypeScript's lib files and @types/node, and never runs the code.
 */
export class TypeScriptChecker implements CodeCheck {
  private child: CheckerProcess | undefined;
  private nextId = 1;

  /** Starts the child and checks `files` once, so the first run finds it warm; throws when it cannot run. */
  async warm(files: RunFiles): Promise<void> {
    const reply = await this.ask(files, 120_000);
    if (reply.failure) throw new Error(`its type checker failed: ${reply.failure}`);
  }

  async check(files: RunFiles, timeoutMs: number): Promise<CheckVerdict> {
    let reply: TypeCheckReply;
    try {
      reply = await this.ask(files, timeoutMs);
    } catch (error) {
      // A checker still starting (after a crash, on a loaded machine) says nothing about the code.
      if (error instanceof CheckTimedOut && error.warm) {
        return { ok: false, message: `the type check timed out after ${Math.round(timeoutMs / 1000)} s`, output: '' };
      }
      throw error;
    }
    if (reply.failure) throw new Error(`the type checker failed: ${reply.failure}`);
    if (reply.errors === 0) return { ok: true };
    return {
      ok: false,
      message: `did not type-check (${reply.errors} ${reply.errors === 1 ? 'error' : 'errors'})`,
      output: reply.report,
    };
  }

  private ask(files: RunFiles, timeoutMs: number): Promise<TypeCheckReply> {
    this.child ??= new CheckerProcess(() => {
      this.child = undefined;
    });
    const child = this.child;
    return child.ask({ id: this.nextId++, files }, timeoutMs, () => {
      // Whatever it is stuck on would hold up every later check: the next one starts a fresh child.
      if (this.child === child) this.child = undefined;
      child.kill();
    });
  }
}

/** One checker child and the checks it owes an answer. */
class CheckerProcess {
  /** It has answered once: it is warm, and a check it does not answer in time is the code's doing. */
  private answered = false;
  private readonly pending = new Map<number, Pending>();
  private readonly process: ChildProcess;

  constructor(gone: () => void) {
    this.process = fork(checkerScript, [], {
      // The checker is TypeScript like the runner; 512 MiB is ample for katas and caps a runaway.
      execArgv: ['--import', import.meta.resolve('tsx'), '--max-old-space-size=512'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    // An idle checker does not keep the runner's process alive.
    this.process.unref();
    this.process.channel?.unref();
    this.process.on('message', (message) => {
      const reply = typeCheckReplySchema.safeParse(message);
      if (!reply.success) return;
      this.answered = true;
      const waiting = this.pending.get(reply.data.id);
      this.pending.delete(reply.data.id);
      waiting?.resolve(reply.data);
    });
    this.process.on('exit', (code, signal) => {
      gone();
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.reject(new Error(`the type checker stopped (${signal ?? `exit status ${code}`})`));
      }
    });
    this.process.on('error', () => undefined);
  }

  ask(request: TypeCheckRequest, timeoutMs: number, timedOut: () => void): Promise<TypeCheckReply> {
    const warm = this.answered;
    return new Promise<TypeCheckReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(request.id);
        reject(new CheckTimedOut(warm));
        timedOut();
      }, timeoutMs);
      this.pending.set(request.id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.process.send(request);
    });
  }

  kill(): void {
    this.process.kill('SIGKILL');
  }
}

class CheckTimedOut extends Error {
  constructor(
    /** The checker was warm when the check was sent. */
    readonly warm: boolean,
  ) {
    super('the type check timed out');
  }
}
