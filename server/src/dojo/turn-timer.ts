/**
 * One pending wake-up at an absolute time on the server's clock. Rescheduled whenever the control
 * state changes; the callback re-reads the state, so a stale wake-up does nothing.
 */
export class TurnTimer {
  private timer: NodeJS.Timeout | undefined;
  private at: number | null = null;

  constructor(private readonly fire: () => void) {}

  schedule(at: number | null, now = Date.now()): void {
    if (at === this.at && this.timer) return;
    this.cancel();
    if (at === null) return;
    this.at = at;
    // setTimeout holds at most ~24.8 days; a longer wait wakes early and schedules again.
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.at = null;
        this.fire();
      },
      Math.min(Math.max(0, at - now), 2_000_000_000),
    );
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.at = null;
  }
}
