import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FleetError } from '../../errors/index.js';
import { createEnrolledStore } from './enrolledDevices.js';

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'mcpf-enrolled-')), 'state', 'enrolled.json');
const device = (name: string) => ({
  name,
  url: `http://${name}.lan:8222/mcp`,
  credential: `mcpf_secret-${name}`,
  tags: ['lab'],
  enrolled_at: '2025-01-01T00:00:00.000Z',
});

describe('enrolled device store', () => {
  it('a missing file is no devices', async () => {
    expect(await createEnrolledStore(tempFile()).load()).toEqual({});
  });

  it('adds and loads devices; the file is versioned, 0600 and leaves no temp files', async () => {
    const path = tempFile();
    const store = createEnrolledStore(path);
    expect(await store.add(device('pi-3'))).toBe(true);
    expect(await store.add(device('nas'))).toBe(true);
    const { name: _n, ...pi } = device('pi-3');
    expect((await store.load())['pi-3']).toEqual(pi);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ version: 1, devices: { 'pi-3': pi } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dirname(path))).toEqual(['enrolled.json']);
  });

  it('refuses to add a name already enrolled and keeps the first', async () => {
    const store = createEnrolledStore(tempFile());
    await store.add(device('pi-3'));
    expect(await store.add({ ...device('pi-3'), url: 'http://other:1/mcp' })).toBe(false);
    expect((await store.load())['pi-3']?.url).toBe('http://pi-3.lan:8222/mcp');
  });

  it('concurrent adds of one name: exactly one wins', async () => {
    const path = tempFile();
    const a = createEnrolledStore(path);
    const b = createEnrolledStore(path);
    const results = await Promise.all([a.add(device('x')), b.add(device('x')), a.add(device('y'))]);
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(Object.keys(await a.load()).sort()).toEqual(['x', 'y']);
  });

  it('removes a device; removing an unknown one is false', async () => {
    const store = createEnrolledStore(tempFile());
    await store.add(device('pi-3'));
    await store.add(device('nas'));
    expect(await store.remove('pi-3')).toBe(true);
    expect(await store.remove('pi-3')).toBe(false);
    expect(await store.remove('constructor')).toBe(false);
    expect(Object.keys(await store.load())).toEqual(['nas']);
  });

  it('refuses names that break DeviceName rules', async () => {
    const store = createEnrolledStore(tempFile());
    await expect(store.add(device('a__b'))).rejects.toMatchObject({ code: 'USAGE' });
    await expect(store.add(device('-x'))).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('an invalid file is CONFIG_INVALID naming the file and the field', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcpf-enrolled-')), 'enrolled.json');
    writeFileSync(
      path,
      JSON.stringify({
        version: 1,
        devices: { 'pi-3': { url: 'ftp://x', credential: 'c', tags: [], enrolled_at: 'x' } },
      }),
    );
    const error = await createEnrolledStore(path)
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as FleetError).code).toBe('CONFIG_INVALID');
    expect((error as FleetError).message).toContain(path);
    expect((error as FleetError).message).toContain('devices.pi-3.url');
    expect((error as FleetError).message).toContain('devices.pi-3.enrolled_at');
  });

  it('broken JSON is CONFIG_INVALID too', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'mcpf-enrolled-')), 'enrolled.json');
    writeFileSync(path, '{"version": 1,');
    await expect(createEnrolledStore(path).load()).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
