/**
 * Arrow keys, Home and End move between the tabs of a tablist, as the WAI-ARIA tabs pattern
 * expects; the newly selected tab takes the focus.
 */
export function onTabKey<T extends string>(
  event: KeyboardEvent,
  tabs: readonly T[],
  current: T,
  select: (tab: T) => void,
): void {
  const index = tabs.indexOf(current);
  const next =
    event.key === 'ArrowRight'
      ? tabs[(index + 1) % tabs.length]
      : event.key === 'ArrowLeft'
        ? tabs[(index - 1 + tabs.length) % tabs.length]
        : event.key === 'Home'
          ? tabs[0]
          : event.key === 'End'
            ? tabs[tabs.length - 1]
            : undefined;
  if (next === undefined) return;
  event.preventDefault();
  select(next);
  const list = event.currentTarget as HTMLElement;
  requestAnimationFrame(() => list.querySelector<HTMLElement>('[aria-selected="true"]')?.focus());
}
