#!/usr/bin/env node
import { createApp } from '../lib/app.ts';

/**
 * The Tidings CDK app (`cdk.json`): the example stack, checked by cdk-nag on every synth.
 * Settings come from context, e.g. `cdk deploy -c senderEmail=no-reply@example.com`; see
 * `createApp` and docs/deploy.md.
 */
createApp();
