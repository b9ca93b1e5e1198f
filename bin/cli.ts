#!/usr/bin/env node
/**
 * The `tidings` command: `tidings local <module> --event <file.json>` runs a team's own events
 * through the pipeline in one process; `tidings redrive ...` moves dead-lettered messages back
 * (docs/redrive.md). `tidings --help` lists them.
 */
import { runLocalEvents } from '../lambdas/local/localRun.ts';
import { redriveCli } from '../lambdas/redrive/runRedrive.ts';

const USAGE = `Usage: tidings <command> [options]

Commands:
  local <module> --event <file.json>   run your own events through the pipeline in one
                                       process and print what each route sends
  redrive --queue <dlq-url> ...        list or move dead-lettered messages back

Run tidings <command> --help for a command's options.`;

const io = {
  out: (line: string) => process.stdout.write(`${line}\n`),
  err: (line: string) => process.stderr.write(`${line}\n`),
};

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'local':
    process.exitCode = await runLocalEvents(args, io);
    break;
  case 'redrive':
    process.exitCode = await redriveCli(args, { io });
    break;
  case undefined:
  case '--help':
  case '-h':
  case 'help':
    io.out(USAGE);
    process.exitCode = command === undefined ? 2 : 0;
    break;
  default:
    io.err(`tidings: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    process.exitCode = 2;
}
