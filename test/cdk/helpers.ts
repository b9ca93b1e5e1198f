import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { EXAMPLE_NOTIFICATIONS } from '../../bench/entries.ts';
import {
  TransactionalNotifications,
  type TransactionalNotificationsProps,
} from '../../lib/transactional-notifications.ts';

/** Account and region for test stacks, so ARNs built by the construct are concrete. */
export const TEST_ENV = { account: '111122223333', region: 'eu-west-1' } as const;

/**
 * Skips asset bundling: these tests read the template, and the bundling test builds every
 * handler with the construct's own bundling options.
 */
export const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };

/** A synthesized pipeline and what tests need to find its resources in the template. */
export interface SynthesizedPipeline {
  readonly stack: Stack;
  readonly construct: TransactionalNotifications;
  readonly template: Template;
}

/**
 * Builds one stack holding one pipeline and synthesizes it without bundling, around the
 * signup example's notifications module unless `props` name another.
 */
export function synthesizePipeline(
  props: Partial<TransactionalNotificationsProps> = {},
  arrange?: (stack: Stack) => Partial<TransactionalNotificationsProps>,
): SynthesizedPipeline {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Test', { env: TEST_ENV });
  const construct = new TransactionalNotifications(stack, 'Notifications', {
    notifications: { entry: EXAMPLE_NOTIFICATIONS },
    senderEmail: 'no-reply@example.com',
    ...props,
    ...arrange?.(stack),
  });
  return { stack, construct, template: Template.fromStack(stack) };
}

/** The pipeline's producer function, for tests of a pipeline built with one. */
export function producerOf(construct: TransactionalNotifications): LambdaFunction {
  if (!construct.producer) throw new TypeError('the pipeline was built without a producer');
  return construct.producer;
}

/** The CloudFormation logical id of a construct's default resource, never hard-coded. */
export function logicalId(stack: Stack, construct: IConstruct): string {
  const element = construct.node.defaultChild as CfnElement | undefined;
  if (!element)
    throw new TypeError(`${construct.node.path} has no default CloudFormation resource`);
  return stack.resolve(stack.getLogicalId(element)) as string;
}

/** A policy statement as it appears in the template, with actions and resources as arrays. */
export interface TemplateStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: unknown[];
  readonly Condition?: unknown;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** All identity-policy statements attached to a role, across every `AWS::IAM::Policy`. */
export function statementsOf(
  pipeline: SynthesizedPipeline,
  role: IRole | undefined,
): TemplateStatement[] {
  if (!role) throw new TypeError('the function has no role');
  const roleId = logicalId(pipeline.stack, role);
  const policies = pipeline.template.findResources('AWS::IAM::Policy');
  const statements: TemplateStatement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = asArray(policy.Properties.Roles) as { Ref?: string }[];
    if (!roles.some((ref) => ref.Ref === roleId)) continue;
    for (const statement of asArray(policy.Properties.PolicyDocument.Statement) as Record<
      string,
      unknown
    >[]) {
      statements.push({
        Effect: statement.Effect as 'Allow' | 'Deny',
        Action: asArray(statement.Action as string | string[]),
        Resource: asArray(statement.Resource as unknown),
        ...(statement.Condition ? { Condition: statement.Condition } : {}),
      });
    }
  }
  return statements;
}

/** Every action a role is allowed, each with the resources it is allowed on. */
export function allowedActions(statements: readonly TemplateStatement[]): Map<string, unknown[]> {
  const actions = new Map<string, unknown[]>();
  for (const statement of statements) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of statement.Action) {
      actions.set(action, [...(actions.get(action) ?? []), ...statement.Resource]);
    }
  }
  return actions;
}

/**
 * Statements in a comparable form: actions sorted, order of statements ignored. Two roles with
 * equal results allow exactly the same actions on the same resources under the same conditions.
 */
export function comparableStatements(statements: readonly TemplateStatement[]): string[] {
  return statements
    .map((statement) =>
      JSON.stringify({
        Effect: statement.Effect,
        Action: [...statement.Action].sort(),
        Resource: statement.Resource,
        ...(statement.Condition ? { Condition: statement.Condition } : {}),
      }),
    )
    .sort();
}

/** Whether an IAM `StringLike` pattern (`*` any run, `?` one character) matches a value. */
export function iamStringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(value);
}
