/**
 * Who is in the call, listeners included, and an observer given the floor, in Debian's Chromium with a
 * generated tone as the microphone: the facilitator sees the observer listening, lets her speak (her
 * microphone opens and her audio reaches the facilitator, also after she reloads) and takes the floor back
 * (her microphone closes); made a participant from the Facilitate tab, she takes part in voice as in the
 * dojo. Screenshots go to test-artifacts/voice-floor/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, launchChromium, signedInPage, signUpTeam } from './support/signed-in-browser.ts';
import { ensureWebBuild } from './support/web-build.ts';
import { startWebStack, type WebStack } from './support/web-stack.ts';
import { Screenshots } from './support/screenshots.ts';
import { joinVoiceCall } from './support/voice-call.ts';

const screenshots = new Screenshots('voice-floor');
const desktop = { width: 1280, height: 800 };

/** Olga's line in Ada's voice panel. */
const olgaInAdasCall = (ada: Page) => ada.locator('#panel-voice .people li', { hasText: 'Olga' });

describe('an observer in voice', () => {
  let stack: WebStack;
  let browser: Browser;
  let ada: Page;
  let olga: Page;
  const shoot = (page: Page, name: string) => screenshots.take(page, name);

  beforeAll(async () => {
    await ensureWebBuild();
    await screenshots.open();
    stack = await startWebStack();
    browser = await launchChromium();
    const admin = await signUpTeam(stack.origin, 'Floor Team');
    const observer = await addMember(stack.origin, admin, 'Olga', ['observer']);
    const dojo = await admin.createDojo({ title: 'Listening kata', format: 'mob', language: 'python' });
    if (!dojo.ok) throw new Error(dojo.error.message);
    const dojoUrl = `${stack.origin}/#/dojos/${dojo.value.id}`;
    ada = await signedInPage(browser, admin, desktop);
    olga = await signedInPage(browser, observer, desktop);
    for (const page of [ada, olga]) await joinVoiceCall(page, dojoUrl, 'Listening kata');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('is shown to the facilitator as listening, with the floor to give', async () => {
    await olga.getByText('You are listening only.').waitFor();
    await olgaInAdasCall(ada).getByText('listening').waitFor();
    await olgaInAdasCall(ada).getByRole('button', { name: 'Let Olga speak' }).waitFor();
    expect(await olga.getByRole('button', { name: 'Mute', exact: true }).count()).toBe(0);
    await shoot(ada, 'olga-listening');
  });

  it('speaks once the facilitator lets her: her microphone opens and her audio arrives', async () => {
    await olgaInAdasCall(ada).getByRole('button', { name: 'Let Olga speak' }).click();
    await olga.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await olga.getByText('A facilitator let you speak.').waitFor();
    await olgaInAdasCall(ada).getByText('receiving audio').waitFor();
    expect(await olga.getByText('You are listening only.').count()).toBe(0);
    await shoot(ada, 'olga-speaking');
    await shoot(olga, 'olga-given-the-floor');
  });

  it('keeps the floor across a reload: back in the call, her microphone opens again', async () => {
    await olga.reload();
    await olga.getByRole('heading', { name: 'Listening kata' }).waitFor();
    await olga.getByRole('tab', { name: 'Voice' }).click();
    await olga.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    await olgaInAdasCall(ada).getByText('receiving audio').waitFor();
  });

  it('listens again once the facilitator takes the floor back', async () => {
    await olgaInAdasCall(ada).getByRole('button', { name: 'Stop Olga speaking' }).click();
    await olga.getByText('You are listening only.').waitFor();
    await olga.getByRole('button', { name: 'Mute', exact: true }).waitFor({ state: 'detached' });
    expect(await olga.getByText('A facilitator let you speak.').count()).toBe(0);
    await olgaInAdasCall(ada).getByText('listening').waitFor();
    await olgaInAdasCall(ada).getByRole('button', { name: 'Let Olga speak' }).waitFor();
    await shoot(ada, 'floor-taken-back');
  });

  it('takes part once the facilitator makes her a participant from the Facilitate tab, in voice too', async () => {
    await ada.getByRole('tab', { name: 'Facilitate' }).click();
    const olgaInPanel = ada.getByRole('tabpanel', { name: 'Facilitate' }).locator('li', { hasText: 'Olga' });
    await olgaInPanel.getByText('(observer)').waitFor();
    await olgaInPanel.getByRole('button', { name: 'Make participant' }).click();
    await olga.getByText('You: participant').waitFor();
    await olga.getByRole('button', { name: 'Mute', exact: true }).waitFor();
    expect(await olga.getByText('You are listening only.').count()).toBe(0);
    await ada.getByRole('tab', { name: 'Voice' }).click();
    await olgaInAdasCall(ada).getByText('receiving audio').waitFor();
    await shoot(olga, 'olga-made-participant');
  });
});
