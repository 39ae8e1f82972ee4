import type { ApiError, Video } from '@pocdojo/sdk/api-client';
import { useEffect, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { api } from '../session.ts';
import { YearAndPerson } from './person-picker.tsx';

/**
 * A person's year in POCs as a short video (`/api/v1/videos`): ask for it, watch it render, play,
 * download or share it. Asking again for the same year returns the existing video.
 */
export function VideosPage() {
  const [year, setYear] = useState(new Date().getFullYear());
  const [userId, setUserId] = useState<string | undefined>();
  const [video, setVideo] = useState<Video | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [shareUrl, setShareUrl] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  // While rendering, the page asks for progress every 1.5 s.
  useEffect(() => {
    if (!video || video.status === 'done' || video.status === 'failed') return;
    const timer = setTimeout(
      () => void api.getVideo(video.id).then((answer) => (answer.ok ? setVideo(answer.value) : setError(answer.error))),
      1500,
    );
    return () => clearTimeout(timer);
  }, [video]);

  async function request(force: boolean) {
    setBusy(true);
    setError(undefined);
    setShareUrl(undefined);
    const queued = await api.requestVideo({ year, userId, force });
    if (!queued.ok) {
      setBusy(false);
      return setError(queued.error);
    }
    const current = await api.getVideo(queued.value.id);
    setBusy(false);
    if (current.ok) setVideo(current.value);
    else setError(current.error);
  }

  async function download() {
    if (!video) return;
    const link = await api.videoDownload(video.id);
    if (link.ok) location.assign(link.value.url);
    else setError(link.error);
  }

  async function toggleShare() {
    if (!video) return;
    if (video.shared) {
      const answer = await api.unshareVideo(video.id);
      if (!answer.ok) return setError(answer.error);
      setShareUrl(undefined);
    } else {
      const answer = await api.shareVideo(video.id);
      if (!answer.ok) return setError(answer.error);
      setShareUrl(answer.value.url);
    }
    const fresh = await api.getVideo(video.id);
    if (fresh.ok) setVideo(fresh.value);
  }

  return (
    <section class="page">
      <h1>Videos</h1>
      <p class="muted">A short video of a year of proofs of concept, rendered on the server.</p>
      <YearAndPerson
        year={year}
        userId={userId}
        allowTeam={false}
        onChange={(nextYear, nextUser) => {
          setYear(nextYear);
          setUserId(nextUser);
          setVideo(undefined);
        }}
      />
      <div class="actions">
        <button type="button" class="primary" disabled={busy} onClick={() => void request(false)}>
          Show the {year} video
        </button>
        {video && (video.status === 'done' || video.status === 'failed') && (
          <button type="button" disabled={busy} onClick={() => void request(true)}>
            Render again
          </button>
        )}
      </div>
      <FormError message={error?.message} />
      {video && (
        <section class="card video-card" aria-live="polite">
          {(video.status === 'queued' || video.status === 'rendering') && (
            <>
              <label for="render-progress">
                {video.status === 'queued' ? 'Waiting for a renderer…' : 'Rendering…'}
              </label>
              <progress id="render-progress" max={1} value={video.progress} />
            </>
          )}
          {video.status === 'failed' && (
            <p class="form-error">Rendering failed{video.error ? `: ${video.error}` : '.'}</p>
          )}
          {video.status === 'done' && video.url && (
            <>
              <video class="video" controls src={video.url} aria-label={`POC video ${video.year}`} />
              <p class="muted">
                {video.pocCount} POCs{video.durationSec ? ` · ${Math.round(video.durationSec)} s` : ''}
              </p>
              <div class="actions">
                <button type="button" onClick={() => void download()}>
                  Download MP4
                </button>
                <button type="button" onClick={() => void toggleShare()} aria-pressed={video.shared}>
                  {video.shared ? 'Stop sharing' : 'Share a public link'}
                </button>
              </div>
              {shareUrl && (
                <p>
                  Public link: <a href={shareUrl}>{shareUrl}</a>
                </p>
              )}
            </>
          )}
        </section>
      )}
    </section>
  );
}
