import type { ApiError, SearchResult } from '@pocdojo/sdk/api-client';
import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../form-field.tsx';
import { navigate } from '../router.ts';
import { api } from '../session.ts';
import { PocForm } from './poc-form.tsx';
import { Highlighted } from './highlighted.tsx';

/** The POC registry: as-you-type search (typo tolerant on the server), language and tag facets with counts. */
export function PocListPage() {
  const [query, setQuery] = useState('');
  const [language, setLanguage] = useState<string | undefined>();
  const [tags, setTags] = useState<string[]>([]);
  const [result, setResult] = useState<SearchResult | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [creating, setCreating] = useState(false);
  const latest = useRef(0);

  useEffect(() => {
    // Each keystroke starts a search after a short pause; only the newest answer is shown.
    const request = ++latest.current;
    const timer = setTimeout(() => {
      void api.searchPocs({ q: query.trim(), language, tags, limit: 50 }).then((answer) => {
        if (request !== latest.current) return;
        if (answer.ok) {
          setResult(answer.value);
          setError(undefined);
        } else setError(answer.error);
      });
    }, 120);
    return () => clearTimeout(timer);
  }, [query, language, tags.join(',')]);

  const toggleTag = (tag: string) =>
    setTags((current) => (current.includes(tag) ? current.filter((t) => t !== tag) : [...current, tag]));
  const languageFacets = Object.entries(result?.facets.languages ?? {}).sort((a, b) => b[1] - a[1]);
  const tagFacets = Object.entries(result?.facets.tags ?? {}).sort((a, b) => b[1] - a[1]);

  return (
    <section class="page">
      <div class="page-head">
        <h1>Proofs of concept</h1>
        <button type="button" class="primary" onClick={() => setCreating(true)} aria-expanded={creating}>
          New POC
        </button>
      </div>
      {creating && (
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
      )}
      <div class="search-layout">
        <aside class="facets" aria-label="Filters">
          <h2>Language</h2>
          <ul>
            {languageFacets.map(([name, count]) => (
              <li>
                <label class="facet">
                  <input type="radio" name="language" checked={language === name} onChange={() => setLanguage(name)} />
                  <span>{name}</span> <span class="count">{count}</span>
                </label>
              </li>
            ))}
            {language && (
              <li>
                <button type="button" class="link-button" onClick={() => setLanguage(undefined)}>
                  Any language
                </button>
              </li>
            )}
          </ul>
          <h2>Tags</h2>
          <ul>
            {tagFacets.map(([name, count]) => (
              <li>
                <label class="facet">
                  <input type="checkbox" checked={tags.includes(name)} onChange={() => toggleTag(name)} />
                  <span>{name}</span> <span class="count">{count}</span>
                </label>
              </li>
            ))}
          </ul>
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
            value={query}
            onInput={(event) => setQuery(event.currentTarget.value)}
            autoComplete="off"
          />
          <FormError message={error?.message} />
          <p class="muted" aria-live="polite">
            {result ? `${result.items.length} result${result.items.length === 1 ? '' : 's'}` : 'Searching…'}
          </p>
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
                </a>
              </li>
            ))}
          </ul>
          {result && result.items.length === 0 && (
            <p class="empty">No POC matches. Try fewer words or another filter.</p>
          )}
        </div>
      </div>
    </section>
  );
}
