#!/usr/bin/env node
// Entry point of the `ladder` command: the compiled dist/ when it is up to date, else the TypeScript
// sources through tsx (bin/entry.js).
import { importEntry } from './entry.js';

// An error that escapes every handler still ends in one line, never a trace (LADDER_DEBUG=1 shows it).
const fatal = (error) => {
  const debug = process.env.LADDER_DEBUG !== undefined && process.env.LADDER_DEBUG !== '' && process.env.LADDER_DEBUG !== '0';
  const first = String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 400);
  process.stderr.write(`ladder: failed: ${first}${debug ? `\n${error?.stack ?? ''}` : ' (LADDER_DEBUG=1 prints the trace)'}\n`);
  process.exit(1);
};
process.on('uncaughtException', fatal);
// A reader that goes away (`ladder … | head`) ends the output, not the command with an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  fatal(error);
});
process.on('unhandledRejection', fatal);

const { main } = await importEntry('composition/cli');
process.exitCode = await main(process.argv.slice(2));
