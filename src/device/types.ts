/**
 * The `Device` interface: the primitives every connector (this machine, SSH, an agent over
 * MCP) implements. Tools are written once over these primitives, so `service`, `logs` and
 * `tmux` are argv-array calls of `exec`, and `system_status` / `processes` are the same pure
 * parsers over text the device hands back from `readFiles`.
 */
export interface ExecSpec {
  /** Argument vector run without a shell. Exactly one of `argv` / `shell` is set. */
  argv?: string[];
  /** A command string the caller explicitly asked to run with `/bin/sh -c`. */
  shell?: string;
  cwd?: string;
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs: number;
  maxOutputBytes: number;
}

export interface ExecResult {
  exit_code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  timed_out: boolean;
  cancelled: boolean;
  duration_ms: number;
}

export interface ExecControl {
  /** Aborting kills the whole process group (SIGTERM, then SIGKILL) and waits until it is gone. */
  signal?: AbortSignal;
  /** Called with each chunk of output as it arrives (for progress notifications). */
  onOutput?: (stream: 'stdout' | 'stderr', chunk: string) => void;
}

export interface FileStat {
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: string;
  mtime: string;
}

export interface ReadFileSpec {
  /** Canonical path (already resolved and checked against the roots). */
  path: string;
  offset?: number;
  length?: number;
  tailLines?: number;
  maxBytes: number;
}

export interface ReadFileResult {
  /** Raw bytes of the selected range. */
  data: Buffer;
  size: number;
  mtime: string;
  /** sha256 of the whole file, hex. */
  sha256: string;
  truncated: boolean;
}

export interface WriteFileSpec {
  path: string;
  data: Buffer;
  mode?: number;
  append?: boolean;
  ifSha256?: string;
  backup?: boolean;
  /** Largest file an append may produce (existing size plus `data`); larger is FILE_TOO_LARGE. */
  maxBytes: number;
}

export interface WriteFileResult {
  bytes_written: number;
  size: number;
  sha256: string;
  created: boolean;
  backup_path: string | null;
}

export interface DirEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mode: string;
  mtime: string;
}

export interface DiskUsage {
  mountpoint: string;
  total_bytes: number;
  used_bytes: number;
  available_bytes: number;
}

export interface NetworkAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
}

/** What a device can do; tools that need a missing capability are not listed. */
export interface DeviceCapabilities {
  systemd: boolean;
  journald: boolean;
  tmux: boolean;
}

export interface Device {
  readonly name: string;
  exec(spec: ExecSpec, control?: ExecControl): Promise<ExecResult>;
  /**
   * Canonical absolute path. For a path that does not exist yet, the parent is resolved and
   * the last component appended, so a write target can be checked before it exists. A path
   * that cannot be resolved throws a FleetError whose `data.resolved` is the canonical place
   * where resolution failed, for the caller to check against the roots before reporting it.
   */
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<FileStat>;
  readFile(spec: ReadFileSpec): Promise<ReadFileResult>;
  writeFile(spec: WriteFileSpec): Promise<WriteFileResult>;
  listDir(path: string, hidden: boolean): Promise<{ entries: DirEntry[]; truncated: boolean }>;
  /**
   * Reads many small text files in one round trip. Patterns may use `*`, `?` and `[…]` within
   * a path segment (e.g. `/sys/class/thermal/thermal_zone*\/temp`); unreadable files are
   * absent from the result rather than errors.
   */
  readFiles(patterns: readonly string[], maxBytesPerFile: number): Promise<Map<string, string>>;
  diskUsage(mountpoints: readonly string[]): Promise<DiskUsage[]>;
  networkAddresses(): Promise<Record<string, NetworkAddress[]>>;
  /** `uname -m` of the machine. */
  machine(): Promise<string>;
  capabilities(): Promise<DeviceCapabilities>;
}
