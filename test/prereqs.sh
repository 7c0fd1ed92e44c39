#!/usr/bin/env bash
# What the test suite needs beyond npm packages, installed when missing (`npm test` runs this
# first; so does .ci/run): Debian packages tmux (the tmux tool), procps (ps/kill), OpenSSH's
# server and client and sudo (the SSH connector's tests run a real sshd on 127.0.0.1), plus a
# second login user with one sudoers rule for the `become: sudo` test. Idempotent. Without
# root it only reports what is missing; the tests that need it then fail saying so.
# Nothing here opens a port or touches the system's own sshd.
set -euo pipefail

# The official MCP conformance suite (test/integration/conformance.test.ts) runs under Node 22
# taken from the npm registry, whatever Node runs the project. Fetch it and the pinned CLI
# versions into the npx cache once here, so the download is not inside a test's timeout, as
# the user who runs the tests (npx caches per user, so not under sudo: that would leave root's
# files in the user's cache); a failure is only reported, and that test then fails.
# Keep the versions in step with test/conformance/conformanceRunner.ts (the test checks).
if [ -z "${SUDO_USER:-}" ]; then
  for conformance in @modelcontextprotocol/conformance@0.1.16 @modelcontextprotocol/conformance@0.2.0-alpha.12; do
    if ! timeout 600 npx --prefer-offline --yes -p node@22 -p "$conformance" conformance --version >/dev/null 2>&1; then
      echo "could not fetch $conformance with node@22 via npx: the conformance test will fail" >&2
    fi
  done
fi

need=()
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v ps >/dev/null 2>&1 || need+=(procps)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh-keygen >/dev/null 2>&1 || need+=(openssh-client)
command -v sudo >/dev/null 2>&1 || need+=(sudo)

if [ "$(id -u)" != 0 ]; then
  if [ ${#need[@]} -gt 0 ]; then echo "test prerequisites missing (install as root): ${need[*]}" >&2; fi
  exit 0
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

user=mcpfleet-ssh
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/sh "$user"
fi
# A locked account ("!" password) is refused by sshd even for key logins; "*" is no
# password without the lock.
usermod -p '*' "$user"
rule=/etc/sudoers.d/mcp-fleet-tests
if [ ! -f "$rule" ]; then
  printf '%s ALL=(root) NOPASSWD: /usr/bin/id\n' "$user" > "$rule.tmp"
  chmod 0440 "$rule.tmp"
  visudo -cf "$rule.tmp" >/dev/null
  mv "$rule.tmp" "$rule"
fi
# sshd's privilege separation directory (normally made by its service unit).
mkdir -p /run/sshd
