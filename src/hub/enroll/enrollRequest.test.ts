import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashToken, verifyBearer } from '../../agent/auth.js';
import { createEnrolledStore } from './enrolledDevices.js';
import { type EnrollDeps, handleEnroll } from './enrollRequest.js';
import { createJoinTokenStore } from './joinTokens.js';

function setup(reserved: string[] = []) {
  const dir = mkdtempSync(join(tmpdir(), 'mcpf-enroll-'));
  const enrolledNames: string[] = [];
  const deps: EnrollDeps = {
    joinTokens: createJoinTokenStore(join(dir, 'join-tokens.json')),
    enrolled: createEnrolledStore(join(dir, 'enrolled.json')),
    reservedNames: () => new Set(reserved),
    now: () => Date.parse('2025-02-03T04:05:06Z'),
    onEnrolled: (name) => enrolledNames.push(name),
  };
  return { deps, enrolledNames };
}

const body = (join_token: string, extra: Record<string, unknown> = {}) => ({
  join_token,
  name: 'pi-3',
  url: 'http://pi-3.lan:8222/mcp',
  ...extra,
});

describe('POST /enroll handler', () => {
  it('enrolls with a valid token: 201 with a credential the store keeps; the token is used up', async () => {
    const { deps, enrolledNames } = setup();
    const { token } = await deps.joinTokens.create();
    const res = await handleEnroll(body(token, { tags: ['lab', 'pis'] }), deps);
    expect(res.status).toBe(201);
    expect(res.body.device).toBe('pi-3');
    const credential = res.body.credential as string;
    expect(credential).toMatch(/^mcpf_/);
    expect((await deps.enrolled.load())['pi-3']).toEqual({
      url: 'http://pi-3.lan:8222/mcp',
      credential,
      tags: ['lab', 'pis'],
      enrolled_at: '2025-02-03T04:05:06.000Z',
    });
    // The agent stores the hash; the hub's bearer then verifies against it.
    expect(
      verifyBearer(`Bearer ${credential}`, [{ name: 'hub', sha256: hashToken(credential) }]),
    ).toBeDefined();
    expect(enrolledNames).toEqual(['pi-3']);
    expect(await deps.joinTokens.isValid(token)).toBe(false);
    const again = await handleEnroll(body(token, { name: 'other' }), deps);
    expect(again).toEqual({ status: 401, body: { error: 'invalid or expired join token' } });
  });

  it('an invalid body is 400 with every problem, and does not use up the token', async () => {
    const { deps } = setup();
    const { token } = await deps.joinTokens.create();
    const res = await handleEnroll(
      { join_token: token, name: 'bad__name', url: 'ftp://x', tags: ['ok', '-bad'], extra: 1 },
      deps,
    );
    expect(res.status).toBe(400);
    const fields = (res.body.problems as { field: string }[]).map((p) => p.field).sort();
    expect(fields).toEqual(['', 'name', 'tags.1', 'url']);
    expect(JSON.stringify(res.body)).not.toContain(token);
    expect(await deps.joinTokens.isValid(token)).toBe(true);
    for (const junk of [null, 'text', [], 42]) expect((await handleEnroll(junk, deps)).status).toBe(400);
  });

  it('an unknown or expired token is 401', async () => {
    const { deps } = setup();
    expect((await handleEnroll(body('mcpj_nope'), deps)).status).toBe(401);
    let t = 0;
    const dir = mkdtempSync(join(tmpdir(), 'mcpf-enroll-'));
    const joinTokens = createJoinTokenStore(join(dir, 'join-tokens.json'), { now: () => t });
    const { token } = await joinTokens.create(1000);
    t = 1000;
    expect((await handleEnroll(body(token), { ...deps, joinTokens })).status).toBe(401);
    expect(await deps.enrolled.load()).toEqual({});
  });

  it('a fleet.yaml name is 409 and the token stays usable for another name', async () => {
    const { deps } = setup(['pi-3']);
    const { token } = await deps.joinTokens.create();
    const res = await handleEnroll(body(token), deps);
    expect(res.status).toBe(409);
    expect(res.body.error).toContain('fleet.yaml');
    expect((await handleEnroll(body(token, { name: 'pi-4' }), deps)).status).toBe(201);
  });

  it('re-enrolling an enrolled name is 409 and keeps the first credential', async () => {
    const { deps } = setup();
    const first = await handleEnroll(body((await deps.joinTokens.create()).token), deps);
    const second = await handleEnroll(body((await deps.joinTokens.create()).token), deps);
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('devices remove pi-3');
    expect((await deps.enrolled.load())['pi-3']?.credential).toBe(first.body.credential);
  });

  it('an enrolled name is "already enrolled" even when the reserved names include it (as the hub passes)', async () => {
    const { deps } = setup();
    await handleEnroll(body((await deps.joinTokens.create()).token), deps);
    const served = { ...deps, reservedNames: () => new Set(['pi-3']) };
    const second = await handleEnroll(body((await deps.joinTokens.create()).token), served);
    expect(second.status).toBe(409);
    expect(second.body.error).toContain('devices remove pi-3');
    expect(second.body.error).not.toContain('fleet.yaml');
  });

  it('a wrong token learns nothing about names (401 before 409)', async () => {
    const { deps } = setup(['pi-3']);
    expect((await handleEnroll(body('mcpj_nope'), deps)).status).toBe(401);
  });

  it('two requests with one token at once: one 201, one 401', async () => {
    const { deps } = setup();
    const { token } = await deps.joinTokens.create();
    const results = await Promise.all([
      handleEnroll(body(token, { name: 'a' }), deps),
      handleEnroll(body(token, { name: 'b' }), deps),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 401]);
    expect(Object.keys(await deps.enrolled.load())).toHaveLength(1);
  });
});
