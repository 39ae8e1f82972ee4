/**
 * Who is in a dojo's voice call, remembered per browser tab (sessionStorage survives a reload and
 * ends with the tab): after a reload the voice panel joins again by itself, muted if they had muted.
 * Leaving, or being removed by a facilitator, forgets it.
 */
const key = (dojoId: string) => `pocdojo.voice.${dojoId}`;

export function rememberedVoice(dojoId: string): { muted: boolean } | undefined {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(key(dojoId)) ?? 'null');
    if (typeof stored !== 'object' || stored === null || !('muted' in stored)) return undefined;
    return { muted: stored.muted === true };
  } catch {
    return undefined;
  }
}

export function rememberVoice(dojoId: string, muted: boolean): void {
  sessionStorage.setItem(key(dojoId), JSON.stringify({ muted }));
}

export function forgetVoice(dojoId: string): void {
  sessionStorage.removeItem(key(dojoId));
}
