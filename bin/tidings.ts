#!/usr/bin/env node
import { createApp } from '../examples/signup/app.ts';

/**
 * The repository's CDK app (`cdk.json`): the signup example's stack, which deploys its own
 * notifications module through the public construct, checked by cdk-nag on every synth.
 * Settings come from context, e.g. `cdk deploy -c senderEmail=no-reply@example.com`; see
 * `createApp` and docs/deploy.md.
 */
createApp();
