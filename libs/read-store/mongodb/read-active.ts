/**
 * Reads a projection's active version so that a query racing a blue-green
 * switch never sees the old version while it is being dropped. Versions share
 * collections and MongoDB reads are not point-in-time, so the rows count only
 * if the same version is still active after they were read: a drop starts only
 * after its switch, so it cannot have begun before the read ended.
 */
export async function readActive<P>(
  active: () => Promise<number | undefined>,
  read: (version: number) => Promise<P>,
  none: P,
  tries = 5,
): Promise<P> {
  let version = await active();
  for (let i = 0; i < tries; i++) {
    if (version === undefined) return none;
    const result = await read(version);
    const after = await active();
    if (after === version) return result;
    version = after;
  }
  // Switches are minutes apart; this many in one query means something else is wrong.
  throw new Error(`the active version changed ${tries} times while it was read`);
}
