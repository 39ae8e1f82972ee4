/**
 * The facilitator's controls. Every button is a dojo command; the server checks the sender's role
 * and answers, and the resulting state comes back through the `control` document.
 */
import type { DojoRun, RunPolicy } from '@pocdojo/sdk/runs-client';
import { useState } from 'preact/hooks';
import { ConfirmDialog } from '../confirm-dialog.tsx';
import { CommandButton, CommandError, useCommand } from './command-button.tsx';
import { nameOf } from './people.ts';
import { LightStrip } from './run-light.tsx';
import { stripRuns } from './run-lights.ts';
import type { DojoView } from './use-dojo.ts';
import type { Participant } from '@pocdojo/shared/contract/dojo-documents';

/**
 * Everyone a facilitator can act on: the people the dojo lists, then those watching without being listed
 * (observers present now, from presence), whom a role grant lists.
 */
function peopleToLead(view: DojoView): [string, Pick<Participant, 'name' | 'role' | 'handRaised'>][] {
  const listed = Object.entries(view.control.participants);
  const watching = new Map<string, Pick<Participant, 'name' | 'role' | 'handRaised'>>();
  for (const peer of view.peers)
    if (!view.control.participants[peer.userId] && peer.role === 'observer')
      watching.set(peer.userId, { name: peer.name, role: 'observer', handRaised: false });
  return [...listed, ...watching];
}

export function FacilitatorPanel({
  view,
  currentFile,
  currentLine,
  now,
  onOpenRun,
}: {
  view: DojoView;
  currentFile: string | undefined;
  currentLine: number;
  now: number;
  onOpenRun: (run: DojoRun) => void;
}) {
  const { connection, control } = view;
  const [minutes, setMinutes] = useState(String(Math.max(1, Math.round(control.turnSeconds / 60))));
  const [breakMinutes, setBreakMinutes] = useState('5');
  const [confirmingEnd, setConfirmingEnd] = useState(false);
  const [endError, setEndError] = useState<string | undefined>();
  const people = peopleToLead(view);

  async function end() {
    const reply = await connection.send('end', {});
    setEndError(reply.ok ? undefined : reply.error.message);
  }

  return (
    <section class="facilitator" aria-label="Facilitator controls">
      <h2>Session</h2>
      <div class="button-row">
        {control.phase === 'lobby' ? (
          <CommandButton class="primary" run={() => connection.send('start', {})}>
            Start
          </CommandButton>
        ) : control.phase === 'ended' ? (
          <CommandButton class="primary" run={() => connection.send('reopen', {})}>
            Reopen
          </CommandButton>
        ) : control.phase === 'paused' || control.phase === 'break' ? (
          <CommandButton class="primary" run={() => connection.send('resume', {})}>
            Resume
          </CommandButton>
        ) : (
          <CommandButton run={() => connection.send('pause', {})}>Pause</CommandButton>
        )}
        <CommandButton run={() => connection.send('rotate', {})} disabled={control.phase === 'ended'}>
          Rotate now
        </CommandButton>
        <span class="command">
          <button
            type="button"
            class="danger"
            aria-haspopup="dialog"
            onClick={() => setConfirmingEnd(true)}
            disabled={control.phase === 'ended' || control.phase === 'lobby'}
          >
            End
          </button>
          {endError && (
            <span class="field-error" role="alert">
              {endError}
            </span>
          )}
        </span>
      </div>
      <ConfirmDialog
        open={confirmingEnd}
        title="End this dojo?"
        confirmLabel="End the dojo"
        danger
        onConfirm={() => void end()}
        onClose={() => setConfirmingEnd(false)}
      >
        The last turn is saved and the code becomes read-only for everyone. You can reopen the dojo afterwards.
      </ConfirmDialog>
      <div class="field-row">
        <div class="field">
          <label for="lock-mode">Who may type</label>
          <select
            id="lock-mode"
            value={control.lock}
            onChange={(event) =>
              void connection.send('lock', { mode: event.currentTarget.value as 'driver' | 'pair' | 'open' })
            }
          >
            <option value="open">Everyone</option>
            <option value="driver">Driver only</option>
            <option value="pair">Driver and navigator</option>
          </select>
        </div>
        <div class="field">
          <label for="handover-rule">Handover</label>
          <select
            id="handover-rule"
            value={control.handover}
            onChange={(event) =>
              void connection.send('setHandoverRule', { rule: event.currentTarget.value as 'timer' | 'manual' })
            }
          >
            <option value="timer">On the timer</option>
            <option value="manual">Driver hands over</option>
          </select>
        </div>
      </div>
      <div class="field-row">
        <div class="field">
          <label for="turn-minutes">Turn length (minutes)</label>
          <input
            id="turn-minutes"
            type="number"
            min={1}
            max={120}
            value={minutes}
            onInput={(event) => setMinutes(event.currentTarget.value)}
          />
        </div>
        <CommandButton run={() => connection.send('setTurnLength', { seconds: Math.round(Number(minutes) * 60) })}>
          Set
        </CommandButton>
      </div>
      <div class="field-row">
        <div class="field">
          <label for="break-minutes">Break (minutes)</label>
          <input
            id="break-minutes"
            type="number"
            min={1}
            max={120}
            value={breakMinutes}
            onInput={(event) => setBreakMinutes(event.currentTarget.value)}
          />
        </div>
        <CommandButton run={() => connection.send('break', { minutes: Math.round(Number(breakMinutes)) })}>
          Take a break
        </CommandButton>
      </div>
      <div class="button-row">
        <CommandButton run={() => connection.send('randomizeRotation', {})}>Shuffle rotation</CommandButton>
        <CommandButton
          run={() => connection.send('summon', { path: currentFile ?? '', line: currentLine })}
          disabled={!currentFile}
        >
          Summon everyone here
        </CommandButton>
      </div>
      <RunSettings view={view} now={now} onOpenRun={onOpenRun} />
      <h2>People</h2>
      {control.rotation.length > 0 && (
        <p class="muted">Rotation: {control.rotation.map((userId) => nameOf(view, userId)).join(' → ')}</p>
      )}
      <ul class="people">
        {people.map(([userId, person]) => {
          const muted = control.muted.includes(userId);
          const inRotation = control.rotation.includes(userId);
          return (
            <li>
              <span>
                {person.name} <span class="muted">({person.role})</span>
                {person.handRaised && <span class="badge">hand raised</span>}
              </span>
              <span class="button-row">
                <CommandButton class="small" run={() => connection.send(muted ? 'unmute' : 'mute', { userId })}>
                  {muted ? 'Unmute in chat' : 'Mute in chat'}
                </CommandButton>
                {person.role === 'observer' ? (
                  <CommandButton
                    class="small"
                    run={() => connection.send('grantRole', { userId, role: 'participant' })}
                  >
                    Make participant
                  </CommandButton>
                ) : (
                  person.role === 'participant' && (
                    <CommandButton class="small" run={() => connection.send('grantRole', { userId, role: 'observer' })}>
                      Make observer
                    </CommandButton>
                  )
                )}
                {person.role !== 'observer' && (
                  <CommandButton
                    class="small"
                    label={`${inRotation ? 'Take' : 'Put'} ${person.name} ${inRotation ? 'out of' : 'in'} the rotation`}
                    run={() => connection.send(inRotation ? 'takeOutOfRotation' : 'putInRotation', { userId })}
                  >
                    {inRotation ? 'Out of rotation' : 'Into rotation'}
                  </CommandButton>
                )}
                {userId !== connection.self.userId && (
                  <CommandButton
                    class="small danger"
                    label={`Remove ${person.name}`}
                    run={() => connection.send('remove', { userId })}
                  >
                    Remove
                  </CommandButton>
                )}
              </span>
            </li>
          );
        })}
      </ul>
      {people.length === 0 && <p class="muted">Nobody has joined through the session yet.</p>}
    </section>
  );
}

/** Who may run the tests, auto-run, and the room's lights over time. */
function RunSettings({ view, now, onOpenRun }: { view: DojoView; now: number; onOpenRun: (run: DojoRun) => void }) {
  const { connection, control } = view;
  const policyCommand = useCommand((policy: RunPolicy) => connection.send('setRunPolicy', { policy }));
  const autoRunCommand = useCommand((on: boolean) => connection.send('setAutoRun', { on }));
  const runs = stripRuns(control.runs);
  return (
    <>
      <h2>Test runs</h2>
      <div class="field-row">
        <div class="field">
          <label for="run-policy">Who may run tests</label>
          <select
            id="run-policy"
            value={control.runPolicy}
            onChange={(event) => void policyCommand.send(event.currentTarget.value as RunPolicy)}
          >
            <option value="driver">Driver</option>
            <option value="everyone">Everyone</option>
          </select>
          <CommandError error={policyCommand.error} />
        </div>
      </div>
      <label class="toggle">
        <input
          type="checkbox"
          checked={control.autoRun}
          onChange={(event) => void autoRunCommand.send(event.currentTarget.checked)}
        />{' '}
        Auto-run when the driver pauses
      </label>
      <CommandError error={autoRunCommand.error} />
      <h3 class="strip-heading">Lights over time</h3>
      {runs.length === 0 ? (
        <p class="muted">No test run yet.</p>
      ) : (
        <LightStrip runs={runs} now={now} label="Test runs over time, oldest first" onOpen={onOpenRun} />
      )}
    </>
  );
}
