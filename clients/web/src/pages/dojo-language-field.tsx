/**
 * The language of a new dojo, with whether this server can run its tests: the API lists the languages
 * it runs (a missing toolchain makes one unavailable, with the reason). A server without test runs
 * answers nothing, and the choice then carries no hint.
 */
import type { Language } from '@pocdojo/sdk/runs-client';
import { useEffect, useState } from 'preact/hooks';
import { languageById, languages } from '../languages.ts';
import { runs } from '../session.ts';

/** How often the list is asked again while a runner is still preparing a language (building its cache). */
const preparingRetryMs = 3_000;

function useRunLanguages(): Language[] | undefined {
  const [offered, setOffered] = useState<Language[] | undefined>();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let gone = false;
    const ask = async () => {
      const answer = await runs.languages();
      if (gone || !answer.ok) return;
      setOffered(answer.value.items);
      // A runner that has just started offers each language once it is ready: ask until none is pending.
      if (answer.value.items.some((language) => !language.available && language.preparing)) {
        timer = setTimeout(() => void ask(), preparingRetryMs);
      }
    };
    void ask();
    return () => {
      gone = true;
      clearTimeout(timer);
    };
  }, []);
  return offered;
}

/** What the choice says about test runs: in the option ("runs tests") and, for the chosen one, in full. */
function runHint(offered: Language[] | undefined, id: string): { short: string; full: string } | undefined {
  if (!offered) return undefined;
  const language = offered.find((entry) => entry.id === id);
  if (!language)
    return { short: 'no test runs', full: 'Tests cannot run in this language: the dojo only shares the code.' };
  if (!language.available)
    return {
      short: 'tests cannot run here',
      full: `Tests cannot run here${language.reason ? `: ${language.reason}` : ''}.`,
    };
  return {
    short: 'runs tests',
    full: `Tests run here with ${language.testFramework}; the dojo starts from a kata whose tests fail.`,
  };
}

export function DojoLanguageField({
  value,
  onChange,
}: {
  /** A language id, or the POC's own spelling of a language the app does not know. */
  value: string;
  onChange: (id: string) => void;
}) {
  const offered = useRunLanguages();
  const choices = languageById(value) ? languages : [{ id: value, label: value }, ...languages];
  const chosen = runHint(offered, value);
  return (
    <>
      <div class="field">
        <label for="field-dojo-language">Language</label>
        <select
          id="field-dojo-language"
          value={value}
          aria-describedby={chosen ? 'field-dojo-language-hint' : undefined}
          onChange={(event) => onChange(event.currentTarget.value)}
        >
          {choices.map((language) => {
            const hint = runHint(offered, language.id);
            return (
              <option key={language.id} value={language.id}>
                {hint ? `${language.label} — ${hint.short}` : language.label}
              </option>
            );
          })}
        </select>
      </div>
      {/* After the field, on a line of its own below the form's row (see .language-hint). */}
      {chosen && (
        <p id="field-dojo-language-hint" class={chosen.short === 'runs tests' ? 'language-hint runs' : 'language-hint'}>
          <span class={chosen.short === 'runs tests' ? 'light light-green' : 'light light-none'} aria-hidden="true">
            {chosen.short === 'runs tests' ? '✓' : '–'}
          </span>{' '}
          {chosen.full}
        </p>
      )}
    </>
  );
}
