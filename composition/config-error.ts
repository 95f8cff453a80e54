/**
 * A mistake in what the user gave, naming where it is: a flag, an environment variable, a config
 * file's key, or a file. The command prints one line and exits 2.
 */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    /** What is wrong with it, without the field's name. */
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ConfigError';
  }
}
