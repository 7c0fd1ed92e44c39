import { describe, expect, it } from 'vitest';
import { needsSudo } from './become.js';

const rules = { commands: ['apt-get', '/usr/local/bin/backup'], units: ['nginx.service', 'app'] };

describe('needsSudo', () => {
  it('matches commands by name, or by exact path when the rule is a path', () => {
    expect(needsSudo(rules, ['apt-get', 'update'])).toBe(true);
    expect(needsSudo(rules, ['/usr/bin/apt-get', 'update'])).toBe(true);
    expect(needsSudo(rules, ['/usr/local/bin/backup'])).toBe(true);
    expect(needsSudo(rules, ['/tmp/backup'])).toBe(false);
    expect(needsSudo(rules, ['ls'])).toBe(false);
  });

  it('puts systemctl actions on listed units under sudo, not other units or the user manager', () => {
    expect(needsSudo(rules, ['systemctl', 'restart', 'app'])).toBe(true);
    expect(needsSudo(rules, ['systemctl', 'restart', 'sshd'])).toBe(false);
    expect(needsSudo(rules, ['systemctl', '--user', 'restart', 'app'])).toBe(false);
  });

  it('puts journalctl -u of listed units under sudo', () => {
    expect(needsSudo(rules, ['journalctl', '-n', '10', '-u', 'nginx.service'])).toBe(true);
    expect(needsSudo(rules, ['journalctl', '--unit=app'])).toBe(true);
    expect(needsSudo(rules, ['journalctl', '-u', 'other'])).toBe(false);
  });

  it('without rules nothing runs under sudo', () => {
    expect(needsSudo(undefined, ['apt-get'])).toBe(false);
    expect(needsSudo({ commands: [], units: [] }, ['systemctl', 'restart', 'app'])).toBe(false);
  });
});
