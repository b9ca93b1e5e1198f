/**
 * `npm run bench`: AWS calls per welcome email, relay and consumer throughput, cold start and
 * bundle size, a local end-to-end run on DynamoDB Local, and the cost per million emails.
 * Prints tables and writes `bench/results.json`.
 *
 * `npm run bench:smoke` (CI): small sizes, calls and throughput only, results to
 * `bench/out/results.smoke.json`; exits non-zero when calls per notification at batch 10 go
 * over the budget. That check is a count, so it is stable on noisy machines; times are
 * reported, never enforced.
 *
 * `npm run bench -- --cold-start`: the cold-start part alone (a minute or two), results to
 * `bench/out/results.cold-start.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { Env } from '../lambdas/constants.ts';
import { LAMBDA_PACKAGING, type LambdaRole, TIDINGS_BUNDLING } from '../lib/bundling.ts';
import { createBenchSenders } from './benchSenders.ts';
import {
  type ColdStartResult,
  type ColdStartSubject,
  measureColdStarts,
  type SubjectBundling,
} from './coldStart.ts';
import { coldStartEnvironment } from './coldStartEnvironment.ts';
import { costPerMillion, type UsagePerNotification } from './costPerMillion.ts';
import { benchEntry } from './entries.ts';
import { CallBudgetExceededError } from './errors.ts';
import { formatTable } from './formatTable.ts';
import { LIST_PRICES } from './listPrices.ts';
import { type LocalEndToEndResult, runLocalEndToEnd } from './localEndToEnd.ts';
import { CALL_BUDGET, minimumCallsPerNotification } from './minimumCalls.ts';
import { createMockedAws, totalCalls } from './mockedAws.ts';
import { BENCH_RESOURCES, runPipeline, sqsRecordFor, streamRecordsFor } from './pipeline.ts';
import { measureSourceMaps, type SourceMapModeResult } from './sourceMaps.ts';
import { median, medianOfRatios } from './statistics.ts';
import {
  batchedRelayRun,
  compareThroughput,
  consumerRun,
  relayRun,
  sequentialConsumerRun,
  type ThroughputComparison,
} from './throughput.ts';
import { standardWriteUnits, transactionWriteUnits } from './writeUnits.ts';

const here = dirname(fileURLToPath(import.meta.url));
const smoke = process.argv.includes('--smoke');
const coldStartFlag = process.argv.includes('--cold-start');
const log = (text = '') => process.stdout.write(`${text}\n`);

/** Deployment settings the cost model uses: the construct's defaults (lib/transactional-notifications.ts). */
const DEPLOYMENT = { memoryMb: 256, relayBatchSize: 100, consumerBatchSize: 10 } as const;
/** Modelled AWS round trip per sequential call, for the "with AWS latency" cost column. */
const ASSUMED_CALL_LATENCY_MS = 15;
const SQS_BILLING_CHUNK_BYTES = 64 * 1024;
/** Our consumer must load in at most this fraction of the reference consumer's time. */
const COLD_START_BUDGET = 0.7;
/** Throughput targets with instant mocked clients, per second. */
const THROUGHPUT_TARGETS = { relay: 50_000, consumer: 10_000 } as const;

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

async function measureCalls() {
  log('== 1. AWS API calls per welcome email (client level, real handlers, mocked clients)');
  const aws = createMockedAws();
  const senders = createBenchSenders(aws);
  const rows = [];
  const sizes = { stream: DEPLOYMENT.relayBatchSize, sqs: DEPLOYMENT.consumerBatchSize };
  for (const n of [1, 10, 100]) {
    const run = await runPipeline(aws, senders, n, sizes);
    const perRole = Object.fromEntries(
      Object.entries(run.calls).map(([role, operations]) => [
        role,
        round(Object.values(operations).reduce((a, b) => a + b, 0) / n),
      ]),
    );
    const measured = round(totalCalls(run.calls) / n);
    const minimum = minimumCallsPerNotification(n);
    rows.push({
      batchSize: n,
      measured,
      minimum: round(minimum.total),
      perRole,
      operations: run.calls,
    });
  }
  log(
    formatTable(
      ['batch', 'producer', 'relay', 'consumer', 'ledger', 'sender', 'measured', 'minimum'],
      rows.map((r) => [
        r.batchSize,
        r.perRole.producer ?? 0,
        r.perRole.relay ?? 0,
        r.perRole.consumer ?? 0,
        r.perRole.ledger ?? 0,
        r.perRole.sender ?? 0,
        r.measured,
        r.minimum,
      ]),
    ),
  );
  log(
    `minimum = ${minimumCallsPerNotification(1).formula}; budget at batch ${CALL_BUDGET.batchSize}: <= ${CALL_BUDGET.maxCallsPerNotification}`,
  );
  for (const r of rows) log(`  batch ${r.batchSize}: ${JSON.stringify(r.operations)}`);

  // Durations for the cost model: repeated batch-10 passes, median per invocation.
  const durations = { producer: [] as number[], relay: [] as number[], consumer: [] as number[] };
  let last: Awaited<ReturnType<typeof runPipeline>> | undefined;
  for (let i = 0; i < (smoke ? 3 : 30); i++) {
    last = await runPipeline(aws, senders, CALL_BUDGET.batchSize, sizes);
    if (i === 0) continue; // warm-up
    durations.producer.push(...last.durationsMs.producer);
    durations.relay.push(...last.durationsMs.relay);
    durations.consumer.push(...last.durationsMs.consumer);
  }
  aws.restore();
  return { rows, durations, budgetRun: last };
}

async function measureThroughput() {
  log('\n== 2. Throughput in one process, mocked clients (median of runs)');
  const relayRecords = smoke ? 1_000 : 20_000;
  const consumerMessages = smoke ? 500 : 5_000;
  const repeats = smoke ? 2 : 5;
  const results: Record<string, ThroughputComparison> = {};

  // `send` replaced: Tidings' code alone, what the targets are about. `build`: the SDK's own
  // per-call work (endpoint, middleware stack, serialization) included. 1 ms: what batching
  // and concurrency buy once calls take time.
  const configs: readonly {
    label: string;
    answerAt: 'send' | 'build';
    latencyMs: number;
    relay: number;
    consumer: number;
  }[] = [
    { label: '', answerAt: 'send', latencyMs: 0, relay: relayRecords, consumer: consumerMessages },
    ...(smoke
      ? []
      : [
          {
            label: ', SDK request building',
            answerAt: 'build' as const,
            latencyMs: 0,
            relay: relayRecords / 4,
            consumer: consumerMessages / 4,
          },
          {
            label: ', 1 ms per call',
            answerAt: 'send' as const,
            latencyMs: 1,
            relay: 200,
            consumer: 200,
          },
        ]),
  ];
  // Real outbox items: the producer handler's transactions, as the stream would carry them.
  const source = createMockedAws();
  const seed = await runPipelineInputs(source, Math.max(relayRecords, consumerMessages));
  source.restore();
  const allRecords = streamRecordsFor(seed.items);
  for (const config of configs) {
    const aws = createMockedAws({ latencyMs: config.latencyMs, answerAt: config.answerAt });
    const senders = createBenchSenders(aws);
    const records = allRecords.slice(0, config.relay);
    results[`relay${config.label}`] = await compareThroughput(
      records.length,
      repeats,
      relayRun(aws, records, DEPLOYMENT.relayBatchSize),
      batchedRelayRun(aws, records, DEPLOYMENT.relayBatchSize),
      config.latencyMs,
    );
    const messages = seed.messages.slice(0, config.consumer);
    results[`consumer${config.label}`] = await compareThroughput(
      messages.length,
      repeats,
      consumerRun(aws, senders, messages, DEPLOYMENT.consumerBatchSize),
      sequentialConsumerRun(aws, senders, messages),
      config.latencyMs,
    );
    aws.restore();
  }
  log(
    formatTable(
      [
        'path',
        'items',
        'tidings/s',
        'baseline',
        'baseline/s',
        'ratio',
        'per CPU s',
        'baseline',
        'ratio',
        'target',
      ],
      Object.entries(results).map(([name, r]) => [
        name,
        r.tidings.items,
        r.tidings.perSecond,
        name.startsWith('relay') ? 'batched relay' : 'sequential',
        r.baseline.perSecond,
        r.ratio,
        r.tidings.perCpuSecond,
        r.baseline.perCpuSecond,
        r.cpuRatio,
        name.includes(',')
          ? '-'
          : `>= ${THROUGHPUT_TARGETS[name.startsWith('relay') ? 'relay' : 'consumer']}`,
      ]),
    ),
  );
  const relay = results.relay?.tidings.perSecond ?? 0;
  const consumer = results.consumer?.tidings.perSecond ?? 0;
  // The relay is held to be at least as fast as a competent batched relay, in every row.
  const relayRows = Object.entries(results).filter(([name]) => name.startsWith('relay'));
  const relayAtLeastBatched = Object.fromEntries(
    relayRows.map(([name, r]) => [name, r.ratio >= 1]),
  );
  for (const [name, r] of relayRows) {
    log(
      `${name}: Tidings ${r.tidings.perSecond}/s, batched relay ${r.baseline.perSecond}/s, paired ratio ${r.ratio} (per CPU second ${r.cpuRatio}): ${r.ratio >= 1 ? 'at least as fast' : 'SLOWER'}`,
    );
  }
  return {
    paths: results,
    relayAtLeastBatched,
    targets: THROUGHPUT_TARGETS,
    targetsMet: {
      relay: relay >= THROUGHPUT_TARGETS.relay,
      consumer: consumer >= THROUGHPUT_TARGETS.consumer,
    },
  };
}

/** Outbox items and relayed messages for `count` signups, made by the real producer and relay. */
async function runPipelineInputs(aws: ReturnType<typeof createMockedAws>, count: number) {
  const run = await runPipeline(aws, createBenchSenders(aws), count, {
    stream: DEPLOYMENT.relayBatchSize,
    sqs: DEPLOYMENT.consumerBatchSize,
  });
  return {
    items: run.transactions.flat(),
    messages: aws.relayedMessages().map((message) => sqsRecordFor(message)),
  };
}

/** One welcome email for the reference consumer, in the body shape it validates. */
const REFERENCE_EVENT = {
  Records: [
    {
      messageId: '0194a3f2-7c00-7a1b-8c2d-3e4f5a6b7c8d',
      receiptHandle: 'receipt-reference',
      body: JSON.stringify({
        kind: 'email',
        to: 'ada@example.com',
        subject: 'Welcome',
        text: 'Welcome aboard.',
      }),
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '0',
        SenderId: 'AIDABENCH',
        ApproximateFirstReceiveTimestamp: '0',
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:us-east-1:${BENCH_RESOURCES.account}:${BENCH_RESOURCES.queueName}`,
      awsRegion: 'us-east-1',
    },
  ],
};

/** The consumer against one reference, paired by round: load and through the first email. */
interface ReferenceRatios {
  readonly reference: string;
  readonly load: number | undefined;
  readonly cpu: number | undefined;
  readonly firstEmail: number | undefined;
}

async function measureColdStart(): Promise<{
  bundles: Omit<ColdStartResult, 'samples'>[];
  consumerToReference: number | undefined;
  consumerToReferenceCpu: number | undefined;
  firstEmailToReference: number | undefined;
  references: ReferenceRatios[];
  sourceMaps: Record<string, SourceMapModeResult[]>;
  budget: number;
  budgetMet: boolean;
}> {
  log(
    '\n== 3. Cold start: bundled as the CDK bundles them (lib/bundling.ts: TIDINGS_BUNDLING, the consumer code-split), fresh process, median of 10',
  );
  const env = coldStartEnvironment();
  const noSourceMaps = { ...env, NODE_OPTIONS: '' };
  const sdkExternal = {
    ...TIDINGS_BUNDLING,
    bundleAwsSDK: false,
    externalModules: ['@aws-sdk/*', '@smithy/*'],
  };
  // A welcome email as the relay puts it on the queue: the real producer and relay make it.
  const source = createMockedAws();
  const [welcome] = (await runPipelineInputs(source, 1)).messages;
  source.restore();
  if (!welcome) throw new TypeError('the pipeline relayed no welcome email to invoke with');
  // Each function as the construct deploys it: one file, or code-split (LAMBDA_PACKAGING).
  const deployed = (role: LambdaRole): SubjectBundling =>
    LAMBDA_PACKAGING[role] === 'code-split' ? 'code-split' : TIDINGS_BUNDLING;
  const consumer = {
    entry: benchEntry('consumer'),
    bundling: deployed('consumer'),
    construct: 'consumerDepsFromEnv',
    env,
  };
  const reference = { entry: join(here, 'reference', 'consumer.ts'), env };
  const namespaceReference = { entry: join(here, 'reference', 'consumerZodNamespace.ts'), env };
  const carefulReference = { entry: join(here, 'reference', 'carefulConsumer.ts'), env };
  const subjects: ColdStartSubject[] = [
    {
      name: 'producer',
      entry: benchEntry('producer'),
      bundling: deployed('producer'),
      construct: 'producerDepsFromEnv',
      env,
    },
    {
      name: 'relay',
      entry: benchEntry('relay'),
      bundling: deployed('relay'),
      construct: 'relayDepsFromEnv',
      env,
    },
    { name: 'consumer', ...consumer },
    { name: 'reference consumer', bundling: TIDINGS_BUNDLING, ...reference },
    {
      name: 'consumer, through its first email',
      entry: benchEntry('consumer'),
      bundling: deployed('consumer'),
      env,
      invokeWith: { Records: [welcome] },
    },
    {
      name: 'reference, through its first email',
      bundling: TIDINGS_BUNDLING,
      ...reference,
      invokeWith: REFERENCE_EVENT,
    },
    {
      name: 'reference, import * as z',
      bundling: TIDINGS_BUNDLING,
      ...namespaceReference,
    },
    {
      name: 'reference, import * as z, through its first email',
      bundling: TIDINGS_BUNDLING,
      ...namespaceReference,
      invokeWith: REFERENCE_EVENT,
    },
    { name: 'careful reference', bundling: TIDINGS_BUNDLING, ...carefulReference },
    {
      name: 'careful reference, through its first email',
      bundling: TIDINGS_BUNDLING,
      ...carefulReference,
      invokeWith: REFERENCE_EVENT,
    },
    {
      name: 'consumer, one file (NodejsFunction)',
      ...consumer,
      bundling: TIDINGS_BUNDLING,
    },
    {
      name: 'consumer, one file, through its first email',
      entry: benchEntry('consumer'),
      bundling: TIDINGS_BUNDLING,
      env,
      invokeWith: { Records: [welcome] },
    },
    {
      name: 'consumer, SDK external',
      ...consumer,
      esbuildOverrides: { external: sdkExternal.externalModules },
    },
    { name: 'reference, SDK external', bundling: sdkExternal, ...reference },
    {
      name: 'consumer, no tree-shaking',
      ...consumer,
      esbuildOverrides: { treeShaking: false },
    },
    {
      name: 'consumer, not minified',
      ...consumer,
      esbuildOverrides: { minify: false },
    },
    {
      name: 'consumer, CommonJS main fields first',
      ...consumer,
      esbuildOverrides: { mainFields: ['main', 'module'] },
    },
    {
      name: 'consumer, no --enable-source-maps',
      ...consumer,
      env: noSourceMaps,
    },
    {
      name: 'reference, no --enable-source-maps',
      bundling: TIDINGS_BUNDLING,
      ...reference,
      env: noSourceMaps,
    },
    {
      name: 'consumer, through its first email, no --enable-source-maps',
      entry: benchEntry('consumer'),
      bundling: deployed('consumer'),
      env: noSourceMaps,
      invokeWith: { Records: [welcome] },
    },
    {
      name: 'reference, through its first email, no --enable-source-maps',
      bundling: TIDINGS_BUNDLING,
      ...reference,
      env: noSourceMaps,
      invokeWith: REFERENCE_EVENT,
    },
    {
      name: 'part: bare SQS client',
      entry: join(here, 'coldStartParts', 'bareSqsClient.ts'),
      bundling: TIDINGS_BUNDLING,
      env,
    },
    {
      name: 'part: zod alone, import { z }',
      entry: join(here, 'coldStartParts', 'zodOnly.ts'),
      bundling: TIDINGS_BUNDLING,
      env,
    },
    {
      name: 'part: zod alone, import * as z',
      entry: join(here, 'coldStartParts', 'zodNamespace.ts'),
      bundling: TIDINGS_BUNDLING,
      env,
    },
    {
      name: "part: the reference's SDK clients and logger",
      entry: join(here, 'coldStartParts', 'referenceClients.ts'),
      bundling: TIDINGS_BUNDLING,
      env,
    },
    {
      name: "part: the consumer's SDK clients, logger and metrics",
      entry: join(here, 'coldStartParts', 'consumerClients.ts'),
      bundling: TIDINGS_BUNDLING,
      env,
    },
  ];
  const results = await measureColdStarts(subjects, {
    outdir: join(here, 'out', 'cold-start'),
    runs: 10,
  });
  log(
    formatTable(
      [
        'bundle',
        'KB',
        'load ms',
        'import',
        'construct',
        'first call',
        'total',
        'cpu ms',
        'process ms',
      ],
      results.map((r) => [
        r.name,
        r.bundleKb,
        r.loadMs,
        r.importMs,
        r.constructMs,
        r.invokeMs,
        r.totalMs,
        r.cpuMs,
        r.processMs,
      ]),
    ),
  );
  const byName = (name: string) => results.find((r) => r.name === name)?.samples;
  // Paired by round: each round runs ours and the reference back to back, so the median of
  // the per-round ratios is not moved by a stretch of the shared machine that slowed one
  // subject's median run and not the other's.
  const ratio = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
    a !== undefined && b !== undefined ? round(medianOfRatios(a, b), 2) : undefined;
  const ours = byName('consumer');
  const ref = byName('reference consumer');
  const loadRatio = ratio(ours?.loadMs, ref?.loadMs);
  const cpuRatio = ratio(ours?.cpuMs, ref?.cpuMs);
  const firstEmailRatio = ratio(
    byName('consumer, through its first email')?.totalMs,
    byName('reference, through its first email')?.totalMs,
  );
  const met = loadRatio !== undefined && loadRatio <= COLD_START_BUDGET;
  // What is paid before any Tidings code: how much of the budget the SDK alone leaves.
  const floors = results
    .filter((r) => r.name.includes('SDK clients'))
    .map((r) => `${r.name.slice('part: '.length)} ${ratio(r.samples.loadMs, ref?.loadMs)}`);
  log(
    `consumer / reference load time, median of ${results[0]?.runs} paired runs: ${loadRatio} (budget <= ${COLD_START_BUDGET}${met ? ', met' : ', NOT met'}); CPU time: ${cpuRatio}; through the first email: ${firstEmailRatio}`,
  );
  // The same consumer as NodejsFunction would deploy it, one file: what code splitting moved.
  const oneFile = `load ${ratio(byName('consumer, one file (NodejsFunction)')?.loadMs, ref?.loadMs)}, through the first email ${ratio(
    byName('consumer, one file, through its first email')?.totalMs,
    byName('reference, through its first email')?.totalMs,
  )}`;
  log(`  the consumer as one file (NodejsFunction) / reference: ${oneFile}`);
  log(`  of the reference's load time, before any code of its own: ${floors.join('; ')}`);
  for (const r of results.filter((r) => !r.name.includes(','))) {
    log(`  ${r.name}: ${r.composition.map((c) => `${c.source} ${c.kb} KB`).join(', ')}`);
  }

  // The consumer against each reference, paired by round, load and through the first email.
  const againstReference = (
    reference: string,
    loadName: string,
    firstEmailName: string,
    consumerLoad = 'consumer',
    consumerFirstEmail = 'consumer, through its first email',
  ): ReferenceRatios => ({
    reference,
    load: ratio(byName(consumerLoad)?.loadMs, byName(loadName)?.loadMs),
    cpu: ratio(byName(consumerLoad)?.cpuMs, byName(loadName)?.cpuMs),
    firstEmail: ratio(byName(consumerFirstEmail)?.totalMs, byName(firstEmailName)?.totalMs),
  });
  const references = [
    againstReference(
      'conventional (import { z })',
      'reference consumer',
      'reference, through its first email',
    ),
    againstReference(
      'conventional, import * as z',
      'reference, import * as z',
      'reference, import * as z, through its first email',
    ),
    againstReference(
      'careful (zod/mini, SES and SNS on first use)',
      'careful reference',
      'careful reference, through its first email',
    ),
    // NodejsFunction sets no NODE_OPTIONS: the reference as it would be deployed by default,
    // against the consumer as the construct deploys it, flag included.
    againstReference(
      'conventional without --enable-source-maps, consumer with it',
      'reference, no --enable-source-maps',
      'reference, through its first email, no --enable-source-maps',
    ),
    againstReference(
      'conventional, both without --enable-source-maps',
      'reference, no --enable-source-maps',
      'reference, through its first email, no --enable-source-maps',
      'consumer, no --enable-source-maps',
      'consumer, through its first email, no --enable-source-maps',
    ),
  ];
  log(
    formatTable(
      ['consumer / reference, paired', 'load', 'cpu', 'through the first email'],
      references.map((r) => [r.reference, r.load ?? '-', r.cpu ?? '-', r.firstEmail ?? '-']),
    ),
  );

  const sourceMaps = await measureStackTraces(env);
  return {
    bundles: results.map(({ samples: _, ...result }) => result),
    consumerToReference: loadRatio,
    consumerToReferenceCpu: cpuRatio,
    firstEmailToReference: firstEmailRatio,
    references,
    sourceMaps,
    budget: COLD_START_BUDGET,
    budgetMet: met,
  };
}

/**
 * What each way of getting readable stack traces costs (`SourceMapMode`): load, the first
 * error's formatting, memory, and what the stack then says. The consumer (code-split) and
 * the relay (one file, as the producer and sweeper are built).
 */
async function measureStackTraces(
  env: Record<string, string>,
): Promise<Record<string, SourceMapModeResult[]>> {
  log('\n   Stack traces: each source-map mode, fresh processes, median of 10');
  const outdir = join(here, 'out', 'source-maps');
  const subjects = {
    consumer: {
      name: 'consumer',
      entry: benchEntry('consumer'),
      bundling: 'code-split' as const,
      construct: 'consumerDepsFromEnv',
      requiredVariable: Env.CONSUMER_DLQ_URL,
      env,
    },
    relay: {
      name: 'relay',
      entry: benchEntry('relay'),
      bundling: TIDINGS_BUNDLING,
      construct: 'relayDepsFromEnv',
      requiredVariable: Env.QUEUE_URL,
      env,
    },
  };
  const results: Record<string, SourceMapModeResult[]> = {};
  for (const [name, subject] of Object.entries(subjects)) {
    const modes = await measureSourceMaps(subject, { outdir: join(outdir, name), runs: 10 });
    results[name] = modes;
    log(
      formatTable(
        [name, 'load ms', 'first stack ms', 'RSS MB after load', 'after the stack', 'top frame'],
        modes.map((m) => [
          m.mode,
          m.loadMs,
          m.firstStackMs,
          m.rssAfterLoadMb,
          m.rssAfterStackMb,
          (m.stack[1] ?? '').trim(),
        ]),
      ),
    );
  }
  return results;
}

async function measureLocal(): Promise<
  { burst: LocalEndToEndResult; paced: LocalEndToEndResult } | { skipped: string }
> {
  log('\n== 4. Local end to end on DynamoDB Local: 1,000 signups at once, then 200 at 20/s');
  try {
    const senders = (ses: SESv2Client) => createBenchSenders({ ses });
    const burst = await runLocalEndToEnd({ signups: 1_000, senders });
    const paced = await runLocalEndToEnd({ signups: 200, ratePerSecond: 20, senders });
    log(
      formatTable(
        ['run', 'signups', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'emails/s', 'elapsed ms'],
        Object.entries({ burst, 'paced 20/s': paced }).map(([name, result]) => [
          name,
          result.signups,
          result.commitToSendMs.p50,
          result.commitToSendMs.p95,
          result.commitToSendMs.p99,
          result.commitToSendMs.max,
          result.throughputPerSecond,
          result.elapsedMs,
        ]),
      ),
    );
    return { burst, paced };
  } catch (error) {
    const reason = `skipped: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
    log(reason);
    return { skipped: reason };
  }
}

function costModel(calls: Awaited<ReturnType<typeof measureCalls>>) {
  log('\n== 5. Cost per million welcome emails, us-east-1 list prices (see docs/benchmarks.md)');
  const run = calls.budgetRun;
  const n = CALL_BUDGET.batchSize;
  if (!run) throw new TypeError('no batch-10 run to price');
  const perTransaction = run.transactions.map((items) => transactionWriteUnits(items));
  const outboxUnits = perTransaction.reduce((sum, t) => sum + t.outbox, 0) / n;
  const businessUnits = perTransaction.reduce((sum, t) => sum + t.business, 0) / n;
  // The relay deletes each outbox item (1 unit under 1 KB) and with it the pending-index entry.
  const outboxItemBytes = Math.max(
    ...run.transactions
      .flat()
      .filter((i) => i.kind === 'outbox')
      .map((i) => JSON.stringify(i).length),
  );
  const deleteUnits = standardWriteUnits(outboxItemBytes) + 1;
  const ledgerUnits = (run.calls.ledger.PutItem ?? 0) / n + (run.calls.ledger.UpdateItem ?? 0) / n;
  const sendBatches = run.sendBatchPayloadBytes.reduce(
    (sum, bytes) => sum + Math.max(1, Math.ceil(bytes / SQS_BILLING_CHUNK_BYTES)),
    0,
  );
  const consumerBatches = run.invocations.consumer;
  // The SQS event source mapping receives and deletes each batch: 2 billed requests per batch.
  const sqsRequests = (sendBatches + 2 * consumerBatches) / n;
  const medianMs = {
    producer: median(calls.durations.producer),
    relay: median(calls.durations.relay),
    consumer: median(calls.durations.consumer),
  };
  const usage = (latency: number): UsagePerNotification => ({
    writeRequestUnits: outboxUnits + deleteUnits + ledgerUnits,
    streamReadRequestUnits: 0,
    sqsRequests,
    emails: 1,
    lambdas: [
      {
        name: 'producer',
        invocationsPerNotification: 1,
        durationMs: medianMs.producer + latency * 1,
        memoryMb: DEPLOYMENT.memoryMb,
      },
      {
        name: 'relay',
        invocationsPerNotification: run.invocations.relay / n,
        // Sends then deletes, in sequence.
        durationMs: medianMs.relay + latency * 2,
        memoryMb: DEPLOYMENT.memoryMb,
      },
      {
        name: 'consumer',
        invocationsPerNotification: consumerBatches / n,
        // Claim, send, complete: in sequence per message, messages in parallel.
        durationMs: medianMs.consumer + latency * 3,
        memoryMb: DEPLOYMENT.memoryMb,
      },
    ],
  });
  const measured = costPerMillion(usage(0), LIST_PRICES);
  const withLatency = costPerMillion(usage(ASSUMED_CALL_LATENCY_MS), LIST_PRICES);
  log(
    formatTable(
      [
        'item',
        'units / 1M emails',
        'unit',
        'USD (measured ms)',
        `USD (+${ASSUMED_CALL_LATENCY_MS} ms/call)`,
      ],
      measured.lines.map((line, i) => [
        line.item,
        round(line.unitsPerMillion, 1),
        line.unit,
        round(line.usd, 4),
        round(withLatency.lines[i]?.usd ?? 0, 4),
      ]),
    ),
  );
  log(
    `plumbing (all but SES): $${round(measured.plumbingUsd, 2)} measured, $${round(withLatency.plumbingUsd, 2)} with ${ASSUMED_CALL_LATENCY_MS} ms per AWS call; SES: $${round(measured.sesUsd, 2)}`,
  );
  log(
    `not counted: the signup's own business items, ${round(businessUnits, 2)} WRU per signup ($${round(businessUnits * LIST_PRICES.dynamoDbPerMillionWriteRequestUnits, 3)} per million)`,
  );
  return {
    usage: usage(0),
    medianMs,
    measured,
    withLatency,
    assumedCallLatencyMs: ASSUMED_CALL_LATENCY_MS,
    businessWriteUnitsPerSignup: businessUnits,
    deployment: DEPLOYMENT,
  };
}

/** `--cold-start`: part 3 alone, to `bench/out/results.cold-start.json`. */
async function coldStartOnly(): Promise<void> {
  const started = performance.now();
  log(
    `Tidings cold start: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  );
  const results = {
    generatedAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model },
    coldStart: await measureColdStart(),
    elapsedSeconds: round((performance.now() - started) / 1000, 1),
  };
  const file = join(here, 'out', 'results.cold-start.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${file} in ${results.elapsedSeconds} s`);
}

async function main(): Promise<void> {
  if (coldStartFlag) return coldStartOnly();
  const started = performance.now();
  log(
    `Tidings benchmark${smoke ? ' (smoke)' : ''}: node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  );
  const calls = await measureCalls();
  const throughput = await measureThroughput();
  const coldStart = smoke ? { skipped: 'smoke run' } : await measureColdStart();
  const local = smoke ? { skipped: 'smoke run' } : await measureLocal();
  const cost = costModel(calls);

  const results = {
    generatedAt: new Date().toISOString(),
    smoke,
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model },
    calls: {
      formula: minimumCallsPerNotification(1).formula,
      budget: CALL_BUDGET,
      batches: calls.rows,
    },
    throughput,
    coldStart,
    local,
    cost,
    prices: LIST_PRICES,
    elapsedSeconds: round((performance.now() - started) / 1000, 1),
  };
  const file = smoke ? join(here, 'out', 'results.smoke.json') : join(here, 'results.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${file} in ${results.elapsedSeconds} s`);

  const budgetRow = calls.rows.find((r) => r.batchSize === CALL_BUDGET.batchSize);
  if (budgetRow && budgetRow.measured > CALL_BUDGET.maxCallsPerNotification + 1e-9) {
    throw new CallBudgetExceededError(
      budgetRow.batchSize,
      budgetRow.measured,
      CALL_BUDGET.maxCallsPerNotification,
      budgetRow.perRole,
    );
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
