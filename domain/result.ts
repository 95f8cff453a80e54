/**
 * Expected outcomes are returned as results; broken invariants and bugs throw.
 * Errors are tagged unions (`{ kind: 'SequenceGap', ... }`) so callers switch exhaustively.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<E> = { readonly ok: false; readonly error: E };
export type Result<T, E> = Ok<T> | Err<E>;

export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** Returns the value of a result that must be ok; throws with the error otherwise (tests, start-up). */
export function unwrap<T, E>(result: Result<T, E>): T {
  if (result.ok) return result.value;
  throw new Error(`unwrap of a failed result: ${JSON.stringify(result.error)}`);
}
