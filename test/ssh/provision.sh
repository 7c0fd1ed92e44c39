#!/usr/bin/env bash
# Provisions what the SSH tests need beyond the packages: a second login user for the
# `become: sudo` test and the one sudoers rule it may use. Idempotent; needs root.
# The tests log in to their own sshd on 127.0.0.1 (test/helpers/sshd.ts); nothing here
# opens a port or touches the system sshd.
set -euo pipefail
user=mcpfleet-ssh
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$user"
fi
# A locked account ("!" password) is refused by sshd even for key logins; "*" is no
# password without the lock.
usermod -p '*' "$user"
rule=/etc/sudoers.d/mcp-fleet-tests
printf '%s ALL=(root) NOPASSWD: /usr/bin/id\n' "$user" > "$rule.tmp"
chmod 0440 "$rule.tmp"
visudo -cf "$rule.tmp" >/dev/null
mv "$rule.tmp" "$rule"
mkdir -p /run/sshd
