/** The one error a hive that cannot be read gives: which file, where in it, and what is wrong. */
export class HiveError extends Error {
  override readonly name = 'HiveError';

  constructor(
    /** The file as the caller named it. */
    readonly file: string,
    /** The byte offset in the file where the problem is, when there is one place to point at. */
    readonly offset: number | undefined,
    /** What is wrong, for a person (no file name, no offset). */
    readonly reason: string,
  ) {
    super(`${file}: ${reason}${offset === undefined ? '' : ` (at file offset 0x${offset.toString(16)})`}`);
  }
}
