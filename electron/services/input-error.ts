// The error a reader throws when a file it was given is not of its kind at
// all (empty, another format, a version it does not read), as opposed to
// damage inside a file of its kind, which readers report and skip. Front
// ends answer it as bad input: the CLI exits 2, the API answers EINVAL.
export class InputError extends Error {
  readonly code = 'EINVAL';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
