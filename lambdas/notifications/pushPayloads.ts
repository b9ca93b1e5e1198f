import type { PushNotification } from '../ports.ts';
import type { FieldIssue } from './errors.ts';

/** The most bytes APNs and FCM accept in one push payload (4 KB each). */
export const MAX_PUSH_PAYLOAD_BYTES = 4096;

/** The JSON a push is delivered as on each platform, as SNS passes it on. */
export interface PushPayloads {
  /** APNs (and the APNs sandbox): `aps.alert` with title and body, `data` beside `aps`. */
  readonly apns: string;
  /** FCM HTTP v1, as SNS takes it under its `GCM` key: `{ fcmV1Message: { message } }`. */
  readonly fcm: string;
}

/**
 * The per-platform payloads of a push: what `SnsPushSender` publishes and what validation
 * measures, built in one place so the two cannot disagree. `data` travels under a `data` key
 * on every platform, so it cannot collide with `aps`.
 */
export function pushPayloads(notification: Omit<PushNotification, 'kind'>): PushPayloads {
  const { title, body } = notification;
  const data =
    notification.data && Object.keys(notification.data).length ? notification.data : undefined;
  const apns = JSON.stringify({ aps: { alert: { title, body } }, ...(data ? { data } : {}) });
  // FCM: SNS documents the `GCM` key holding an `fcmV1Message` (FCM HTTP v1) since Google shut
  // the legacy FCM API down in 2024. SNS still translates legacy-shaped GCM payloads, but
  // that is a compatibility path; v1 is the form SNS recommends and the one that reaches iOS
  // and web FCM targets too. v1 `data` values must be strings, which `PushNotification` ensures.
  const fcm = JSON.stringify({
    fcmV1Message: { message: { notification: { title, body }, ...(data ? { data } : {}) } },
  });
  return { apns, fcm };
}

/**
 * Why a push is too large to deliver: one issue per platform whose payload passes
 * `MAX_PUSH_PAYLOAD_BYTES` in UTF-8, naming its size; none when it fits. FCM's payload is
 * measured with the `fcmV1Message` wrapper SNS removes, a few dozen bytes on the safe side.
 */
export function pushPayloadIssues(notification: Omit<PushNotification, 'kind'>): FieldIssue[] {
  const payloads = pushPayloads(notification);
  const issues: FieldIssue[] = [];
  for (const [platform, json] of [
    ['APNs', payloads.apns],
    ['FCM', payloads.fcm],
  ] as const) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > MAX_PUSH_PAYLOAD_BYTES) {
      issues.push({
        path: '(root)',
        message: `title, body and data make a ${bytes}-byte ${platform} payload, over the ${MAX_PUSH_PAYLOAD_BYTES} bytes ${platform} accepts`,
      });
    }
  }
  return issues;
}
