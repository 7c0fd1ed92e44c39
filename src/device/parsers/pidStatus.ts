/**
 * Real uid of a process from `/proc/[pid]/status` (first number of the `Uid:` line, which lists
 * real, effective, saved and filesystem uids). Null when the line is missing or garbled.
 */
export function parsePidStatusUid(text: string): number | null {
  const match = /^Uid:\s*(\d+)/m.exec(text);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/**
 * Maps uid to user name from `/etc/passwd` (`name:x:uid:gid:gecos:home:shell`), to show owners of
 * processes without calling getpwuid. The first entry wins when several names share a uid.
 */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split('\n')) {
    const [name, , uid] = line.trim().split(':');
    // Skip comments, blank lines and NIS compat entries (`+`, `-`).
    if (name === undefined || name === '' || /^[#+-]/.test(name)) continue;
    if (uid === undefined || !/^\d+$/.test(uid)) continue;
    const id = Number(uid);
    if (!users.has(id)) users.set(id, name);
  }
  return users;
}
