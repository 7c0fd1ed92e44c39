import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createEnrolledStore,
  createJoinTokenStore,
  type EnrolledStore,
  handleEnroll,
  type JoinTokenStore,
} from '../../src/hub/enroll/index.js';
import {
  type AgentHandle,
  cleanEnv,
  connectClient,
  freePort,
  runCli,
  startAgent,
  tempDir,
} from '../helpers/agentProcess.js';
import { waitFor } from '../helpers/toolAssertions.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function canConnect(url: string, token: string): Promise<boolean> {
  try {
    const client = await connectClient(url, token);
    await client.close();
    return true;
  } catch {
    return false;
  }
}

describe('token create --join', () => {
  it('writes the hashed token to the hub state dir (0600) and prints the token once', async () => {
    const hubDir = tempDir();
    const run = await runCli(
      ['token', 'create', '--join', '--json', '--ttl', '30m', '--state-dir', hubDir],
      cleanEnv(),
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const { token, expires_at } = JSON.parse(run.stdout) as { token: string; expires_at: string };
    expect(token).toMatch(/^mcpj_[A-Za-z0-9_-]{43}$/);
    const left = Date.parse(expires_at) - Date.now();
    expect(left).toBeGreaterThan(25 * 60_000);
    expect(left).toBeLessThanOrEqual(30 * 60_000);
    const path = join(hubDir, 'join-tokens.json');
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain(token);
    expect(JSON.parse(text).tokens).toEqual([
      { sha256: sha256(token), created_at: expect.any(String), expires_at },
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await createJoinTokenStore(path).consume(token)).toBe(true);
  });

  it('finds the state dir in MCP_FLEET_HUB_STATE_DIR; a bad ttl is a one-line usage error', async () => {
    const hubDir = tempDir();
    const env = { ...cleanEnv(), MCP_FLEET_HUB_STATE_DIR: hubDir };
    const run = await runCli(['token', 'create', '--join'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Join token \(shown once, single use, expires .*\): mcpj_/);
    expect(JSON.parse(readFileSync(join(hubDir, 'join-tokens.json'), 'utf8')).tokens).toHaveLength(1);
    const bad = await runCli(['token', 'create', '--join', '--ttl', '8d'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^mcp-fleet: invalid ttl 8d: [^\n]*\n$/);
  });
});

describe('devices list / remove', () => {
  let hubDir: string;
  beforeAll(async () => {
    hubDir = tempDir();
    const store = createEnrolledStore(join(hubDir, 'enrolled.json'));
    for (const name of ['pi-3', 'nas']) {
      await store.add({
        name,
        url: `http://${name}.lan:8222/mcp`,
        credential: `mcpf_secret-${name}`,
        tags: name === 'nas' ? [] : ['lab'],
        enrolled_at: '2025-01-01T00:00:00.000Z',
      });
    }
  });

  it('lists enrolled devices without their credentials', async () => {
    const json = await runCli(['devices', 'list', '--json', '--state-dir', hubDir], cleanEnv());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      devices: [
        { name: 'nas', url: 'http://nas.lan:8222/mcp', tags: [], enrolled_at: '2025-01-01T00:00:00.000Z' },
        {
          name: 'pi-3',
          url: 'http://pi-3.lan:8222/mcp',
          tags: ['lab'],
          enrolled_at: '2025-01-01T00:00:00.000Z',
        },
      ],
    });
    const text = await runCli(['devices', 'list'], { ...cleanEnv(), MCP_FLEET_HUB_STATE_DIR: hubDir });
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(/^NAME +URL +TAGS +ENROLLED$/);
    expect(text.stdout).toContain('pi-3');
    expect(text.stdout + json.stdout).not.toContain('mcpf_secret');
  });

  it('removes a device (revoking its credential); an unknown name is a usage error', async () => {
    const run = await runCli(['devices', 'remove', 'pi-3', '--state-dir', hubDir], cleanEnv());
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^removed pi-3: its credential is revoked/);
    const left = JSON.parse(readFileSync(join(hubDir, 'enrolled.json'), 'utf8'));
    expect(Object.keys(left.devices)).toEqual(['nas']);
    expect(JSON.stringify(left)).not.toContain('mcpf_secret-pi-3');
    const again = await runCli(['devices', 'remove', 'pi-3', '--state-dir', hubDir], cleanEnv());
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^mcp-fleet: no enrolled device named pi-3 in [^\n]*\n$/);
  });
});

describe('agent join against a loopback hub', () => {
  let hub: Server;
  let hubUrl: string;
  let joinTokens: JoinTokenStore;
  let enrolled: EnrolledStore;
  let agent: AgentHandle | undefined;
  let client: Client | undefined;

  beforeAll(async () => {
    const hubDir = tempDir();
    joinTokens = createJoinTokenStore(join(hubDir, 'join-tokens.json'));
    enrolled = createEnrolledStore(join(hubDir, 'enrolled.json'));
    const deps = { joinTokens, enrolled, reservedNames: () => new Set(['fleet-dev']) };
    hub = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/enroll') {
        res.writeHead(404).end();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        void handleEnroll(body, deps).then(
          (answer) =>
            res
              .writeHead(answer.status, { 'content-type': 'application/json' })
              .end(JSON.stringify(answer.body)),
          () => res.writeHead(500).end(),
        );
      });
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const address = hub.address();
    hubUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterEach(async () => {
    await client?.close().catch(() => {});
    client = undefined;
    await agent?.stop();
    agent = undefined;
  });
  afterAll(async () => {
    await new Promise((resolve) => hub.close(resolve));
  });

  const join_ = (args: string[], env: Record<string, string>) =>
    runCli(['agent', 'join', ...args], { ...cleanEnv(), ...env });

  it('a running agent accepts the enrolled credential after SIGHUP', async () => {
    const agentDir = tempDir();
    agent = await startAgent({ env: { MCP_FLEET_STATE_DIR: agentDir } });
    const { token } = await joinTokens.create();
    const run = await join_(
      [`${hubUrl}/mcp`, '--name', 'pi-test', '--tags', 'lab,pis', '--advertise', agent.url],
      {
        MCP_FLEET_JOIN_TOKEN: token,
        MCP_FLEET_STATE_DIR: agentDir,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `enrolled as pi-test with ${hubUrl}; the agent accepts the hub's credential (restart or SIGHUP a running agent)\n`,
    );

    const device = (await enrolled.load())['pi-test'];
    expect(device).toMatchObject({ url: agent.url, tags: ['lab', 'pis'] });
    const credential = device?.credential ?? '';
    const tokensPath = join(agentDir, 'tokens.json');
    expect(JSON.parse(readFileSync(tokensPath, 'utf8'))).toEqual({
      tokens: [{ name: 'hub-127.0.0.1', sha256: sha256(credential) }],
    });
    expect(readFileSync(tokensPath, 'utf8')).not.toContain(credential);
    expect(statSync(tokensPath).mode & 0o777).toBe(0o600);

    expect(await canConnect(agent.url, credential)).toBe(false);
    agent.child.kill('SIGHUP');
    await waitFor('the agent to accept the hub credential', () => canConnect(agent?.url ?? '', credential));
    client = await connectClient(agent.url, credential);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('system_status');
    // The agent's own token still works beside it.
    expect(await canConnect(agent.url, agent.token)).toBe(true);
  });

  it('a restarted agent with only the joined token accepts it and refuses others', async () => {
    const agentDir = tempDir();
    const { token } = await joinTokens.create();
    const port = await freePort();
    const run = await join_(
      [
        hubUrl,
        '--name',
        'pi-restart',
        '--advertise',
        `http://127.0.0.1:${port}/mcp`,
        '--state-dir',
        agentDir,
      ],
      { MCP_FLEET_JOIN_TOKEN: token },
    );
    expect(run.code).toBe(0);
    const credential = (await enrolled.load())['pi-restart']?.credential ?? '';
    agent = await startAgent({ env: { MCP_FLEET_STATE_DIR: agentDir, MCP_FLEET_TOKEN: '' } });
    expect(await canConnect(agent.url, credential)).toBe(true);
    expect(await canConnect(agent.url, 'mcpf_wrong')).toBe(false);
  });

  it('the default name is the host name and the default URL uses the listen port of --config', async () => {
    const agentDir = tempDir();
    const config = join(agentDir, 'agent.yaml');
    writeFileSync(config, 'listen: 127.0.0.1:9417\n');
    const { token } = await joinTokens.create();
    const run = await join_([hubUrl, '--config', config], {
      MCP_FLEET_JOIN_TOKEN: token,
      MCP_FLEET_STATE_DIR: agentDir,
    });
    expect(run.code).toBe(0);
    // The agent listens on loopback only: the operator is told the hub may not reach it.
    expect(run.stderr).toMatch(/^mcp-fleet: note: the agent listens on 127\.0\.0\.1/);
    const name = run.stdout.match(/^enrolled as (\S+) with/)?.[1] ?? '';
    expect((await enrolled.load())[name]?.url).toBe(`http://${hostname()}:9417/mcp`);
  });

  it('refusals are one-line operator errors (exit 2) and store nothing', async () => {
    const agentDir = tempDir();
    const env = { MCP_FLEET_STATE_DIR: agentDir };
    const advertise = ['--advertise', 'http://127.0.0.1:1/mcp'];
    const cases: [string[], Record<string, string>, RegExp][] = [
      [[hubUrl, ...advertise], { MCP_FLEET_JOIN_TOKEN: 'mcpj_unknown' }, /refused the join token/],
      [
        [hubUrl, '--name', 'fleet-dev', ...advertise],
        { MCP_FLEET_JOIN_TOKEN: (await joinTokens.create()).token },
        /fleet\.yaml/,
      ],
      [[hubUrl, ...advertise], {}, /no join token/],
      [
        [`http://127.0.0.1:${await freePort()}`, '--token', 'mcpj_x', ...advertise],
        {},
        /cannot reach the hub/,
      ],
    ];
    for (const [args, extra, message] of cases) {
      const run = await join_(args, { ...env, ...extra });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^mcp-fleet: [^\n]*\n$/);
      expect(run.stderr).toMatch(message);
    }
    expect(() => readFileSync(join(agentDir, 'tokens.json'))).toThrow();
  });

  it('an invalid tokens.json stops the agent with a config error naming the file and field', async () => {
    const agentDir = tempDir();
    writeFileSync(
      join(agentDir, 'tokens.json'),
      JSON.stringify({ tokens: [{ name: 'hub-x', sha256: 'short' }] }),
    );
    const port = await freePort();
    const run = await runCli(['agent', '--listen', `127.0.0.1:${port}`], {
      ...cleanEnv(),
      MCP_FLEET_STATE_DIR: agentDir,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(join(agentDir, 'tokens.json'));
    expect(run.stderr).toContain('tokens.0.sha256');
  });
});
