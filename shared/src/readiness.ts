import { Gauge, type Registry } from './metrics.ts';

/**
 * Named readiness conditions; `/readyz` is 200 only when all hold. Each component owns its own
 * condition (database reachable, migrations applied, Redis connected…) and flips it as things change.
 */
type Condition = string | true | (() => string | true);

export class Readiness {
  private readonly conditions = new Map<string, Condition>();

  /** Declares a condition, initially not met, with the reason shown while it is not. */
  require(name: string, reason: string): void {
    this.conditions.set(name, reason);
  }

  set(name: string, state: true | string): void {
    this.conditions.set(name, state);
  }

  /** A condition read when asked, from a component that knows its own state (true, or why not). */
  track(name: string, check: () => true | string): void {
    this.conditions.set(name, check);
  }

  /** The `/readyz` body every service answers, from one reading of the conditions. */
  summary(): { ready: boolean; body: { status: 'ready' | 'not-ready'; checks: Record<string, string> } } {
    const states = this.states();
    const ready = [...states.values()].every((state) => state === true);
    const checks = Object.fromEntries([...states].map(([name, state]) => [name, state === true ? 'ok' : state]));
    return { ready, body: { status: ready ? 'ready' : 'not-ready', checks } };
  }

  private states(): Map<string, string | true> {
    return new Map([...this.conditions].map(([name, state]) => [name, typeof state === 'function' ? state() : state]));
  }

  /**
   * `/readyz` as a metric, one series per condition (1 met, 0 not): a balancer stops sending to a node
   * that is not ready, so nothing else shows it, and the alert can name the condition that fails.
   */
  registerMetric(registry: Registry): void {
    const states = () => this.states();
    new Gauge({
      name: 'pocdojo_readiness_check',
      help: 'Readiness conditions of this node (the /readyz checks): 1 met, 0 not',
      labelNames: ['check'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [check, state] of states()) this.set({ check }, state === true ? 1 : 0);
      },
    });
  }
}
