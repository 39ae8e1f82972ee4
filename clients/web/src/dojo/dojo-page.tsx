/**
 * The dojo room: file tree, the shared editor with its test-run bar, the turn bar (timer, driver and
 * navigator, connection state, follow mode) and a side panel with chat, people, voice, the facilitator's
 * controls and the review of past turns. On a phone the code is one more tab: one panel fills the
 * screen at a time and the tab bar sits at the bottom, under the thumb.
 */
import type { Dojo } from '@pocdojo/sdk/api-client';
import { codeFiles, mayEdit, remainingTurnMs } from '@pocdojo/sdk/dojo-documents';
import type { DojoEvent } from '@pocdojo/sdk/dojo-protocol';
import { effectiveRole } from '@pocdojo/sdk/dojo-roles';
import type { DojoRun } from '@pocdojo/sdk/runs-client';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { languageById } from '../languages.ts';
import { onTabKey } from '../tab-keys.ts';
import { api, runs, useSession } from '../session.ts';
import { ChatPanel } from './chat-panel.tsx';
import { CodeEditor, type ScrollRequest } from './code-editor.tsx';
import { CommandButton } from './command-button.tsx';
import { FacilitatorPanel } from './facilitator-panel.tsx';
import { addFile, FileTree } from './file-tree.tsx';
import { formatClock, nameOf } from './people.ts';
import { ReviewPanel } from './review-panel.tsx';
import { useNarrowScreen } from './narrow-screen.ts';
import { RunBar } from './run-bar.tsx';
import { RunDetailDialog } from './run-detail.tsx';
import { type DojoView, useDojo } from './use-dojo.ts';
import { VoicePanel } from './voice-panel.tsx';

type Tab = 'code' | 'chat' | 'people' | 'voice' | 'facilitator' | 'review';

function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

export function DojoPage({ id }: { id: string }) {
  const load = useDojo(id);
  const [dojo, setDojo] = useState<Dojo | undefined>();
  useEffect(() => void api.getDojo(id).then((answer) => answer.ok && setDojo(answer.value)), [id]);

  if (load.state === 'loading') return <p class="page muted">Joining the dojo…</p>;
  if (load.state === 'error')
    return (
      <section class="page">
        <h1>Dojo</h1>
        <FormError
          message={
            load.error.code === 'not_found' ? 'This dojo does not exist (or is not yours to join).' : load.error.message
          }
        />
      </section>
    );
  return <DojoRoom view={load.view} dojo={dojo} dojoId={id} />;
}

function DojoRoom({ view, dojo, dojoId }: { view: DojoView; dojo: Dojo | undefined; dojoId: string }) {
  const session = useSession();
  const { connection, control, join } = view;
  const userId = connection.self.userId;
  // The rule the server enforces: a join as observer stays one; otherwise a facilitator can grant or
  // revoke roles during the session and the control document has the last word.
  const role = effectiveRole(control, userId, { role: join.role, observing: join.observing });
  const now = useNow();
  const narrow = useNarrowScreen();
  const [selected, setSelected] = useState<string | undefined>();
  const [tab, setTab] = useState<Tab>(narrow ? 'code' : 'chat');
  // Side by side with the editor, the side panel never shows the code: it falls back to the chat.
  const sideTab = tab === 'code' ? 'chat' : tab;
  // A window narrowed to a phone's width (or a tablet turned upright) opens on the code.
  useEffect(() => {
    if (narrow) setTab('code');
  }, [narrow]);
  const [follow, setFollow] = useState(role === 'observer');
  const [scroll, setScroll] = useState<ScrollRequest | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const seq = useRef(0);
  const [cursorLine, setCursorLine] = useState(1);
  const [copied, setCopied] = useState(false);
  const [openRun, setOpenRun] = useState<DojoRun | undefined>();

  // The clipboard needs a secure context; elsewhere the link is shown to copy by hand.
  async function copyInvite(link: string) {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      prompt('Copy this invitation link', link);
    }
  }

  const canEdit = mayEdit(control, userId, role) && !view.denied;
  const ended = control.phase === 'ended';
  const isFacilitator = role === 'facilitator';
  const driver = view.peers.find((peer) => peer.userId === control.driverId);
  const file = selected && view.files.includes(selected) ? selected : view.files[0];

  // The facilitator seeds an empty dojo once synced: with the language's starter kata where this server
  // runs tests (its tests fail until the group solves it), else with one file in the dojo's language.
  const seeded = useRef(false);
  useEffect(() => {
    if (!view.synced || seeded.current || !isFacilitator || !canEdit || view.files.length > 0 || !dojo) return;
    seeded.current = true;
    const language = languageById(dojo.language);
    void (language ? runs.kata(language.id) : Promise.resolve(undefined)).then((kata) => {
      if (codeFiles(connection.docs.code).size > 0) return;
      if (kata?.ok) for (const [path, text] of Object.entries(kata.value.files)) addFile(connection, path, text);
      else addFile(connection, `main.${language?.extension ?? 'txt'}`);
    });
  }, [view.synced, view.files.length, dojo, canEdit]);

  // Follow mode: open the driver's file and keep their first visible line in view.
  useEffect(() => {
    if (!follow || !driver?.file || driver.userId === userId) return;
    if (driver.file !== file) setSelected(driver.file);
    if (driver.topLine) setScroll({ line: driver.topLine, seq: ++seq.current, select: false });
  }, [follow, driver?.file, driver?.topLine]);

  // The event listener lives as long as the connection; names are looked up in the latest view.
  const latest = useRef(view);
  latest.current = view;
  useEffect(
    () =>
      connection.on('event', (event: DojoEvent) => {
        if (event.name === 'summon') {
          setSelected(event.data.path);
          setScroll({ line: event.data.line, seq: ++seq.current, select: true });
          setNotice(
            `${nameOf(latest.current, event.data.by)} summoned everyone to ${event.data.path}:${event.data.line}`,
          );
        } else if (event.name === 'editRejected') setNotice(`Your edit was not accepted: ${event.data.reason}`);
        else if (event.name === 'removed') setNotice('A facilitator removed you from this dojo.');
      }),
    [connection],
  );

  const remaining = remainingTurnMs(control, now);
  const liveFiles = useMemo(
    () => () =>
      Object.fromEntries([...codeFiles(connection.docs.code).entries()].map(([path, text]) => [path, text.toString()])),
    [connection],
  );
  const tabs: { id: Tab; label: string }[] = [
    ...(narrow ? [{ id: 'code' as const, label: 'Code' }] : []),
    { id: 'chat', label: 'Chat' },
    { id: 'people', label: `People (${view.peers.length + 1})` },
    { id: 'voice', label: 'Voice' },
    ...(isFacilitator ? [{ id: 'facilitator' as const, label: 'Facilitate' }] : []),
    { id: 'review', label: 'Review' },
  ];

  return (
    <div class="dojo">
      <header class="dojo-bar">
        <div class="dojo-title">
          <h1>{dojo?.title ?? 'Dojo'}</h1>
          <span class={`phase phase-${control.phase}`}>{control.phase}</span>
        </div>
        <div class="turn" aria-live="polite">
          {remaining !== null && (
            <span class="timer" aria-label={`Time left in the turn: ${formatClock(remaining)}`}>
              {formatClock(remaining)}
            </span>
          )}
          <span>
            Driver: <strong>{nameOf(view, control.driverId)}</strong>
          </span>
          <span>
            Navigator: <strong>{nameOf(view, control.navigatorId)}</strong>
          </span>
        </div>
        <div class="connection">
          <ConnectionBadge view={view} />
          <div class="dojo-tools">
            <span class="muted">You: {role}</span>
            <label class="toggle">
              <input type="checkbox" checked={follow} onChange={(event) => setFollow(event.currentTarget.checked)} />{' '}
              Follow driver
            </label>
            <button
              type="button"
              class="small"
              onClick={() =>
                void copyInvite(
                  `${location.origin}${location.pathname}#/dojos/${dojoId}?tenant=${session?.tenant.slug ?? ''}`,
                )
              }
              title="Copy an invitation link for people of your team"
            >
              {copied ? 'Link copied' : 'Copy invite link'}
            </button>
          </div>
        </div>
      </header>
      {notice && (
        <div class="notice" role="status">
          {notice}
          <button type="button" class="icon" aria-label="Dismiss" onClick={() => setNotice(undefined)}>
            ×
          </button>
        </div>
      )}
      {ended && (
        <p class="notice ended-notice" role="status">
          This dojo has ended: the code is read-only for everyone.
          {isFacilitator ? ' Reopen it from the Facilitate tab to carry on.' : ' A facilitator can reopen it.'}
        </p>
      )}
      {view.denied && (
        <p class="form-error" role="alert">
          The server refused this connection ({view.denied}).
        </p>
      )}
      <div class="dojo-body">
        <div
          class="code-pane"
          role={narrow ? 'tabpanel' : undefined}
          id={narrow ? 'panel-code' : undefined}
          aria-labelledby={narrow ? 'tab-code' : undefined}
          hidden={narrow && tab !== 'code'}
        >
          <FileTree
            connection={connection}
            files={view.files}
            selected={file}
            canEdit={canEdit}
            onSelect={setSelected}
          />
          <section class="editor-area" aria-label="Editor">
            <RunBar view={view} role={role} now={now} onOpen={setOpenRun} />
            {file ? (
              <>
                <div class="editor-head">
                  <span class="file-path">{file}</span>
                  {!canEdit && (
                    <span class="badge readonly">
                      {ended
                        ? 'Read only: the dojo has ended'
                        : role === 'observer'
                          ? 'Read only (observer)'
                          : 'Read only: editing is locked to the driver'}
                    </span>
                  )}
                  <Avatars view={view} file={file} />
                </div>
                <CodeEditor
                  key={file}
                  connection={connection}
                  path={file}
                  language={view.languages[file]}
                  readOnly={!canEdit}
                  wrapLines={narrow}
                  scroll={scroll}
                  onCursorLine={setCursorLine}
                />
              </>
            ) : (
              <p class="empty">{view.synced ? 'No files yet.' : 'Loading the code…'}</p>
            )}
          </section>
        </div>
        <aside class="side" hidden={narrow && tab === 'code'}>
          {!narrow && <PanelTabs tabs={tabs} selected={sideTab} onSelect={setTab} />}
          {/* Voice stays mounted while other tabs are shown: switching tabs must not hang up. */}
          <div
            class="tab-panel"
            role="tabpanel"
            id="panel-voice"
            aria-labelledby="tab-voice"
            hidden={sideTab !== 'voice'}
          >
            <VoicePanel dojoId={dojoId} view={view} role={role} />
          </div>
          {/* The other tabs share one panel, left out while voice shows: one element per panel id. */}
          {sideTab !== 'voice' && (
            <div class="tab-panel" role="tabpanel" id={`panel-${sideTab}`} aria-labelledby={`tab-${sideTab}`}>
              {sideTab === 'chat' && (
                <ChatPanel connection={connection} messages={view.chat} muted={control.muted.includes(userId)} />
              )}
              {sideTab === 'people' && <PeoplePanel view={view} />}
              {sideTab === 'facilitator' && isFacilitator && (
                <FacilitatorPanel
                  view={view}
                  currentFile={file}
                  currentLine={cursorLine}
                  now={now}
                  onOpenRun={setOpenRun}
                />
              )}
              {sideTab === 'review' && (
                <ReviewPanel
                  dojoId={dojoId}
                  turnCount={control.turn}
                  liveFiles={liveFiles}
                  liveRuns={control.runs}
                  now={now}
                  nameOf={(userId) => nameOf(view, userId)}
                  onOpenRun={setOpenRun}
                />
              )}
            </div>
          )}
        </aside>
        {narrow && <PanelTabs tabs={tabs} selected={tab} onSelect={setTab} bar />}
      </div>
      {openRun && (
        <RunDetailDialog
          dojoId={dojoId}
          run={control.runs.find((run) => run.id === openRun.id) ?? openRun}
          now={now}
          onClose={() => setOpenRun(undefined)}
        />
      )}
    </div>
  );
}

/** The panels' tablist: above the side panel, or on a phone the tab bar at the bottom of the room. */
function PanelTabs({
  tabs,
  selected,
  onSelect,
  bar = false,
}: {
  tabs: { id: Tab; label: string }[];
  selected: Tab;
  onSelect: (tab: Tab) => void;
  bar?: boolean;
}) {
  return (
    <div
      class={bar ? 'tabbar' : 'tabs'}
      role="tablist"
      aria-label="Dojo panels"
      onKeyDown={(event) =>
        onTabKey(
          event,
          tabs.map((entry) => entry.id),
          selected,
          onSelect,
        )
      }
    >
      {tabs.map((entry) => (
        <button
          type="button"
          role="tab"
          id={`tab-${entry.id}`}
          aria-selected={selected === entry.id}
          aria-controls={`panel-${entry.id}`}
          tabIndex={selected === entry.id ? 0 : -1}
          class={selected === entry.id ? 'tab active' : 'tab'}
          onClick={() => onSelect(entry.id)}
        >
          {entry.label}
        </button>
      ))}
    </div>
  );
}

function ConnectionBadge({ view }: { view: DojoView }) {
  const label =
    view.status === 'connected'
      ? view.synced
        ? 'Online'
        : 'Syncing…'
      : view.status === 'connecting'
        ? 'Reconnecting…'
        : 'Offline';
  return (
    <span class={`status status-${view.status}`} role="status" aria-label={`Connection: ${label}`}>
      <span class="dot" aria-hidden="true" /> {label}
      {view.unsynced > 0 && <span class="muted"> · {view.unsynced} unsynced</span>}
    </span>
  );
}

function Avatars({ view, file }: { view: DojoView; file: string }) {
  const here = view.peers.filter((peer) => peer.file === file);
  return (
    <ul class="avatars" aria-label="Also in this file">
      {here.map((peer) => (
        <li style={{ background: peer.color }} title={`${peer.name} (${peer.role})`}>
          {peer.name.slice(0, 1).toUpperCase()}
        </li>
      ))}
    </ul>
  );
}

function PeoplePanel({ view }: { view: DojoView }) {
  const { connection, control } = view;
  const userId = connection.self.userId;
  const handRaised = control.participants[userId]?.handRaised ?? false;
  return (
    <section aria-label="People">
      <ul class="people">
        <li>
          <span>
            <span class="dot" style={{ background: connection.awareness.getLocalState()?.color as string }} />{' '}
            {connection.self.name} (you, {connection.self.role})
          </span>
        </li>
        {view.peers.map((peer) => (
          <li>
            <span>
              <span class="dot" style={{ background: peer.color }} /> {peer.name}{' '}
              <span class="muted">({peer.role})</span>
              {peer.userId === control.driverId && <span class="badge">driver</span>}
              {peer.userId === control.navigatorId && <span class="badge">navigator</span>}
              {peer.editor && (
                <span class="muted own-editor">
                  {' '}
                  · in their own editor{peer.file ? `, last saved ${peer.file}` : ''}
                </span>
              )}
            </span>
          </li>
        ))}
      </ul>
      {connection.self.role !== 'observer' && (
        <div class="button-row">
          <CommandButton run={() => connection.send('raiseHand', { raised: !handRaised })}>
            {handRaised ? 'Lower hand' : 'Raise hand'}
          </CommandButton>
          <CommandButton run={() => connection.send('requestDrive', {})} disabled={control.driverId === userId}>
            Ask to drive
          </CommandButton>
          {control.driverId === userId && control.handover === 'manual' && (
            <CommandButton run={() => connection.send('handover', {})}>Hand over</CommandButton>
          )}
        </div>
      )}
    </section>
  );
}
