/** Where CLI commands write; the entry point binds it to stdout. */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
}

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}

export const stdoutOutput: Output = {
  line: (text) => process.stdout.write(text + '\n'),
  json: (value) => process.stdout.write(JSON.stringify(value, null, 2) + '\n'),
};
