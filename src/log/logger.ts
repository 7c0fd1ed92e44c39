import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs on stderr (stdout belongs to MCP in stdio mode). Known secret-bearing fields are
 * censored wherever they appear, as a second line of defence behind never logging them.
 */
export function createLogger(options: { level?: string; name?: string; destination?: number } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'mcp-fleet',
      level: options.level ?? 'info',
      base: { pid: process.pid },
      redact: {
        paths: [
          'token',
          '*.token',
          'authorization',
          '*.authorization',
          'headers.authorization',
          '*.headers.authorization',
          'password',
          '*.password',
          'env',
          '*.env',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination({ dest: options.destination ?? 2, sync: true }),
  );
}
