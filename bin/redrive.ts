#!/usr/bin/env -S npx tsx
/**
 * `npm run redrive -- --queue <dlq-url> [--dry-run | --status | --to <arn> | --relay --table <name>]`:
 * moves dead-lettered messages back for reprocessing. See docs/redrive.md and `--help`.
 */
import { redriveCli } from '../lambdas/redrive/runRedrive.ts';

process.exitCode = await redriveCli(process.argv.slice(2));
