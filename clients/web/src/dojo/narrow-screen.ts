/**
 * Phones and narrow windows get the dojo room as one panel at a time behind a tab bar (Code, Chat,
 * People, Voice…); wider screens show the editor and the side panel together. The width is the one
 * of the `max-width: 900px` rules in styles.css.
 */
import { useEffect, useState } from 'preact/hooks';

const narrowScreen = '(max-width: 900px)';

export function useNarrowScreen(): boolean {
  const [narrow, setNarrow] = useState(() => matchMedia(narrowScreen).matches);
  useEffect(() => {
    const query = matchMedia(narrowScreen);
    const update = () => setNarrow(query.matches);
    query.addEventListener('change', update);
    update();
    return () => query.removeEventListener('change', update);
  }, []);
  return narrow;
}
