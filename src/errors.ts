/**
 * bnviz's named errors. Each sets `name`, because errors that come back from a
 * worker thread or a BullMQ job arrive serialized: classify them with
 * `isBnvizError(err, 'InputError')`, not with `instanceof` alone.
 */

/** Bad input (a corrupt or unreadable image, an invalid job): fails its group once, never retried. */
export class InputError extends Error {
  override name = 'InputError' as const;
  /** The file or key at fault. */
  readonly subject: string;
  /** What is wrong with it. */
  readonly reason: string;
  constructor(subject: string, reason: string, options?: ErrorOptions) {
    super(`${subject}: ${reason}`, options);
    this.subject = subject;
    this.reason = reason;
  }
}

/**
 * The setting an error is about: its config key, and the message with the
 * setting named as the reader knows it. The library's message names the key
 * (`redis.url`); the command line names the flag, the environment variable or
 * the config file's line the value came from (`--redis`, `BNVIZ_REDIS_URL`).
 */
export interface SettingFault {
  /** The setting's config key, dotted (`redis.url`). */
  key: string;
  /** The message, with the setting called `name`. */
  text(name: string): string;
}

/** A SettingFault in the one message shape: "Expected WHAT for NAME but received VALUE". */
export function expectedSetting(key: string, what: string, received: unknown, note?: string): SettingFault {
  return { key, text: (name) => `${expectedMessage(what, name, received)}${note ? ` ${note}` : ''}` };
}

/** The base of the errors that stop a command with one line: a message, or a setting's fault. */
abstract class CommandError extends Error {
  /** The setting at fault, when there is one (see SettingFault). */
  readonly setting?: SettingFault;
  constructor(message: string | SettingFault, options?: ErrorOptions) {
    super(typeof message === 'string' ? message : message.text(message.key), options);
    if (typeof message !== 'string') this.setting = message;
  }
}

/** A bad setting: stops the command at start (exit code 2). */
export class ConfigError extends CommandError {
  override name = 'ConfigError' as const;
}

/** Bad use of the command line or of the library (exit code 2). */
export class UsageError extends CommandError {
  override name = 'UsageError' as const;
}

/**
 * A fleet worker cannot serve a job (its roots do not cover the job's
 * dataset root, its output folder is not writable): nothing is wrong with the
 * group, so the job goes back to the queue for another worker.
 */
export class ServeError extends Error {
  override name = 'ServeError' as const;
}

export type BnvizErrorName = 'InputError' | 'ConfigError' | 'UsageError' | 'ServeError';

/**
 * True when `err` is (or was, before crossing a thread) a bnviz error of that name.
 * @example
 * try { await runDataset('photos', config); } catch (err) {
 *   if (isBnvizError(err, 'ConfigError')) console.error(err.message); // also for errors that crossed a thread
 * }
 */
export function isBnvizError(err: unknown, name: BnvizErrorName): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === name;
}

/**
 * The one shape of a validation message (sharp's): what was expected, for
 * which key, and what came. "Expected an integer between 8 and 4096 for size
 * but received 5000". `received` is the value, or its text already shown.
 */
export function expectedMessage(what: string, key: string, received: unknown, options: { shown?: boolean } = {}): string {
  return `Expected ${what} for ${key} but received ${options.shown ? String(received) : shownValue(received)}`;
}

/** A value as a message shows it: JSON, cut short. */
export function shownValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A reason on one line, so each group stays one line of output: libvips
 * reports a damaged file as several lines, often the same two repeated
 * ("...corrupt header: VipsJpeg: premature end of JPEG image\nVipsJpeg: JPEG
 * datastream contains no image\n..."). Each line after the first is dropped
 * up to a closing parenthesis, so what follows it ("); b.jpg: empty file",
 * the next file of the group) is kept. The one way a message becomes a
 * reason: the decoder's (decode/decode-image.ts, the full text kept as the
 * InputError's cause) and a failed group's (group/failed-result.ts, the full
 * text in GroupError.detail) both pass through it.
 */
export function oneLineReason(text: string): string {
  let line = text.trim().replace(/[ \t]*\r?\n[^()\n]*/g, '').trim().replace(/[:;,]$/, '');
  const open = (line.match(/\(/g) ?? []).length - (line.match(/\)/g) ?? []).length;
  if (open > 0) line += ')'.repeat(open);
  return line;
}
