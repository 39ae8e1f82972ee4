import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, call, signUp, type SignedUp, type TestApi, startTestApi } from './api-harness.ts';

/**
 * The `detail` of a refusal is shown to people as it is (the web app prints it under the form), so it
 * speaks of "you" or names the person, and never carries a user, tenant, POC or video id.
 */
interface Problem {
  status: number;
  code: string;
  detail: string;
}

let api: TestApi;
let admin: SignedUp;
let member: SignedUp;
let observer: SignedUp;
let outsider: SignedUp;
const lastYear = new Date().getUTCFullYear() - 1;
const thisYear = new Date().getUTCFullYear();

const ids = () => [admin, member, observer, outsider].flatMap((person) => [person.user.id, person.tenant.id]);
const expectNoIds = (detail: string) => {
  for (const id of ids()) expect(detail).not.toContain(id);
};

beforeAll(async () => {
  api = await startTestApi();
  admin = await signUp(api.app, 'Plain Words Co');
  member = await addUser(api.app, admin, ['participant'], 'mia@plain.test');
  observer = await addUser(api.app, admin, ['observer'], 'otto@plain.test');
  outsider = await signUp(api.app, 'Elsewhere Co');
});
afterAll(async () => {
  await api?.close();
});

describe('messages a person reads', () => {
  it('tells you that you have no POCs this year yet', async () => {
    const reply = await call<Problem>(api.app, 'POST', '/api/v1/videos', {
      token: member.accessToken,
      body: { year: thisYear },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toBe(`You have no POCs in ${thisYear} yet`);
  });

  it('names the person, not their id, when an admin asks for someone else’s video', async () => {
    const reply = await call<Problem>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: lastYear, userId: member.user.id },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.detail).toBe(`mia has no POCs in ${lastYear}`);
  });

  it('says someone is not in your team without echoing the id it was given', async () => {
    const video = await call<Problem>(api.app, 'POST', '/api/v1/videos', {
      token: admin.accessToken,
      body: { year: thisYear, userId: outsider.user.id },
    });
    expect(video.status).toBe(404);
    expect(video.body.detail).toBe('this person is not a member of your team');
    const report = await call<Problem>(api.app, 'GET', `/api/v1/reports/pocs?userId=${outsider.user.id}`, {
      token: admin.accessToken,
    });
    expect(report.status).toBe(404);
    expect(report.body.detail).toBe('this person is not a member of your team');
  });

  it('says a video does not exist without echoing its id', async () => {
    const reply = await call<Problem>(api.app, 'GET', '/api/v1/videos/v_doesnotexist', { token: member.accessToken });
    expect(reply.status).toBe(404);
    expect(reply.body.detail).not.toContain('v_doesnotexist');
    expect(reply.body.detail).toBe('this video does not exist (or is not yours to see)');
  });

  it('tells an observer plainly that they read but do not change', async () => {
    const poc = await call<Problem>(api.app, 'POST', '/api/v1/pocs', {
      token: observer.accessToken,
      body: { name: 'Not mine to add', language: 'go' },
    });
    expect(poc.status).toBe(403);
    expect(poc.body.detail).toBe('observers can read but not change anything; an admin can make you a participant');
    const dojo = await call<Problem>(api.app, 'POST', '/api/v1/dojos', {
      token: observer.accessToken,
      body: { title: 'Not mine to open', format: 'randori', language: 'go' },
    });
    expect(dojo.status).toBe(403);
    expect(dojo.body.detail).toBe(poc.body.detail);
  });

  it('tells a member that only admins manage the team', async () => {
    for (const [method, body] of [
      ['GET', undefined],
      ['POST', { email: 'new@plain.test', displayName: 'New', roles: ['participant'], password: 'long enough pw' }],
    ] as const) {
      const reply = await call<Problem>(api.app, method, '/api/v1/users', { token: member.accessToken, body });
      expect(reply.status).toBe(403);
      expect(reply.body.detail).toBe("only the team's admins manage its members");
    }
  });

  it('never carries an id in any of these details', async () => {
    const details = await Promise.all([
      call<Problem>(api.app, 'POST', '/api/v1/videos', { token: admin.accessToken, body: { year: thisYear } }),
      call<Problem>(api.app, 'POST', '/api/v1/videos', {
        token: member.accessToken,
        body: { year: thisYear, userId: admin.user.id },
      }),
      call<Problem>(api.app, 'GET', `/api/v1/reports/pocs?userId=${admin.user.id}`, { token: member.accessToken }),
    ]);
    expect(details.map((reply) => reply.status)).toEqual([422, 403, 403]);
    for (const reply of details) expectNoIds(reply.body.detail);
  });
});
