import pino, { type Logger } from 'pino';

/**
 * Structured logs. Secrets never belong in a log line: these paths are censored wherever they
 * appear, as a last line of defence behind code that does not log them in the first place.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['token', '*.token', 'appSecret', '*.appSecret', 'signature', '*.signature', 'req.headers', 'headers'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
