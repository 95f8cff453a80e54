/** The slice of pg-copy-streams 7 the store calls (the package ships no types). */
declare module 'pg-copy-streams' {
  import type { Writable } from 'node:stream';

  /** A COPY … FROM STDIN query: pass it to a pg client's `query`, write the payload, end it. */
  export interface CopyFromStream extends Writable {
    /** Rows the server reported copied, once the stream has finished. */
    readonly rowCount: number;
  }

  const copyStreams: {
    from(text: string): CopyFromStream;
  };
  export default copyStreams;
}
