/**
 * Named readiness conditions; `/readyz` is 200 only when all hold. Each component owns its own
 * condition (database reachable, migrations applied, Redis connected…) and flips it as things change.
 */
export class Readiness {
  private readonly conditions = new Map<string, string | true>();

  /** Declares a condition, initially not met, with the reason shown while it is not. */
  require(name: string, reason: string): void {
    this.conditions.set(name, reason);
  }

  set(name: string, state: true | string): void {
    this.conditions.set(name, state);
  }

  get ready(): boolean {
    return [...this.conditions.values()].every((state) => state === true);
  }

  report(): Record<string, string> {
    return Object.fromEntries([...this.conditions].map(([name, state]) => [name, state === true ? 'ok' : state]));
  }
}
