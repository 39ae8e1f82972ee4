import type { Page } from 'playwright-core';

/** Opens the dojo at `url` (headed `title`) and joins its call from the Voice tab, as a person would. */
export async function joinVoiceCall(page: Page, url: string, title: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('heading', { name: title }).waitFor();
  await page.getByRole('tab', { name: 'Voice' }).click();
  await page.getByRole('button', { name: 'Join voice' }).click();
  await page.getByRole('button', { name: 'Leave voice' }).waitFor();
}
