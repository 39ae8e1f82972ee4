import type { ApiError, SearchResult } from '@pocdojo/sdk/api-client';
import { mayChangeRecords } from '@pocdojo/shared/contract/permissions';
import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { navigate, type PocSearch, pocSearchPath, replacePath } from '../router.ts';
import { api, useSession } from '../session.ts';
import { PocForm } from './poc-form.tsx';
import { hasHighlight, Highlighted } from './highlighted.tsx';

/**
 * The POC registry: as-you-type search (typo tolerant on the server), language and tag facets with
 * counts, and the words that matched under each result. The search is the page's address.
 */
export function PocListPage({ search }: { search: PocSearch }) {
  const session = useSession();
  // The answer and the address of the search it answers (the list shows it until the next one arrives).
  const [answered, setAnswered] = useState<{ path: string; result: SearchResult } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [creating, setCreating] = useState(false);
  const latest = useRef(0);
  const mayCreate = mayChangeRecords(session?.user.roles ?? []);

  const path = pocSearchPath(search);
  const result = answered?.result;

  useEffect(() => {
    // Each keystroke starts a search after a short pause; only the newest answer is shown.
    const request = ++latest.current;
    const timer = setTimeout(() => {
      void api
        .searchPocs({ q: search.q.trim(), language: search.language, tags: search.tags, limit: 50 })
        .then((answer) => {
          if (request !== latest.current) return;
          if (answer.ok) {
            setAnswered({ path, result: answer.value });
            setError(undefined);
          } else setError(answer.error);
        });
    }, 120);
    return () => clearTimeout(timer);
  }, [path]);

  const change = (next: Partial<PocSearch>) => replacePath(pocSearchPath({ ...search, ...next }));
  const toggleTag = (tag: string) =>
    change({ tags: search.tags.includes(tag) ? search.tags.filter((t) => t !== tag) : [...search.tags, tag] });
  // A chosen value stays listed (with 0) even when nothing matches, so it can be unchosen. Most found
  // first, then by name: the list does not reshuffle under the pointer when a value is chosen.
  const withChosen = (counts: Record<string, number> | undefined, chosen: string[]) =>
    Object.entries({ ...Object.fromEntries(chosen.map((value) => [value, 0])), ...counts }).sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    );
  const languageFacets = withChosen(result?.facets.languages, search.language ? [search.language] : []);
  const tagFacets = withChosen(result?.facets.tags, search.tags);
  // Nothing found without any search or filter: the team has no POC at all.
  const emptyTeam = path === '/pocs' && answered?.path === path && answered.result.items.length === 0;

  const form = creating && (
    <PocForm
      submitLabel="Create POC"
      onCancel={() => setCreating(false)}
      onSave={async (input) => {
        const created = await api.createPoc(input);
        if (!created.ok) return created.error;
        navigate(`/pocs/${created.value.id}`);
        return undefined;
      }}
    />
  );

  return (
    <section class="page">
      <div class="page-head">
        <h1>Proofs of concept</h1>
        {mayCreate && (
          <button type="button" class="primary" onClick={() => setCreating(true)} aria-expanded={creating}>
            New POC
          </button>
        )}
      </div>
      {!mayCreate && <p class="muted">As an observer you can read every POC; adding one needs the participant role.</p>}
      {form}
      <div class="search-layout">
        <aside class="facets" aria-label="Filters">
          {/* A team without POCs has nothing to filter by. */}
          {!emptyTeam && (
            <>
              <h2>Language</h2>
              <ul>
                {languageFacets.map(([name, count]) => (
                  <li key={name}>
                    <label class="facet">
                      <input
                        type="radio"
                        name="language"
                        checked={search.language === name}
                        onChange={() => change({ language: name })}
                      />
                      <span>{name}</span> <span class="count">{count}</span>
                    </label>
                  </li>
                ))}
                {search.language && (
                  <li>
                    <button type="button" class="link-button" onClick={() => change({ language: undefined })}>
                      Any language
                    </button>
                  </li>
                )}
              </ul>
              <h2>Tags</h2>
              <ul>
                {tagFacets.map(([name, count]) => (
                  <li key={name}>
                    <label class="facet">
                      <input type="checkbox" checked={search.tags.includes(name)} onChange={() => toggleTag(name)} />
                      <span>{name}</span> <span class="count">{count}</span>
                    </label>
                  </li>
                ))}
              </ul>
            </>
          )}
        </aside>
        <div class="results">
          <label for="poc-search" class="visually-hidden">
            Search POCs
          </label>
          <input
            id="poc-search"
            type="search"
            class="search"
            placeholder="Search by name or description…"
            value={search.q}
            onInput={(event) => change({ q: event.currentTarget.value })}
            autoComplete="off"
          />
          <FormError message={error?.message} />
          {emptyTeam ? (
            <div class="card empty-state">
              <h2>Your team has no POCs yet</h2>
              {mayCreate ? (
                <>
                  <p>Register the first proof of concept, then open a dojo on it to code it together.</p>
                  {!creating && (
                    <button type="button" class="primary" onClick={() => setCreating(true)}>
                      Create the first POC
                    </button>
                  )}
                </>
              ) : (
                <p class="muted">When your teammates register POCs, you will find them here.</p>
              )}
            </div>
          ) : (
            <p class="muted" aria-live="polite">
              {result ? `${result.items.length} result${result.items.length === 1 ? '' : 's'}` : 'Searching…'}
            </p>
          )}
          <ul class="poc-list">
            {result?.items.map((hit) => (
              <li>
                <a class="poc-item card" href={`#/pocs/${hit.id}`}>
                  <strong>
                    <Highlighted text={hit.name} highlights={hit.highlights} field="name" />
                  </strong>
                  <span class="badge">{hit.language}</span>
                  <span class="tags">
                    {hit.tags.map((tag) => (
                      <span class="tag">{tag}</span>
                    ))}
                  </span>
                  {hasHighlight(hit.highlights, 'description') && (
                    <span class="snippet">
                      <Highlighted text="" highlights={hit.highlights} field="description" />
                    </span>
                  )}
                </a>
              </li>
            ))}
          </ul>
          {result && result.items.length === 0 && !emptyTeam && (
            <div class="empty">
              <p>No POC matches. Try fewer words or another filter.</p>
              <button
                type="button"
                onClick={() => replacePath(pocSearchPath({ q: '', language: undefined, tags: [] }))}
              >
                Clear the search
              </button>
            </div>
          )}
        </div>
      </div>
    </section>
  );
}
