import { z } from 'zod';

/**
 * The audit trail's vocabulary, shared by every writer (API, collaboration tier, SSO) and by readers
 * (`GET /api/v1/audit`, the web app's Audit page). One list of actions: add a new one here.
 *
 * | action                 | target   | who acts                          |
 * |------------------------|----------|-----------------------------------|
 * | `sign_in`              | person   | the person                        |
 * | `sign_in_failed`       | —        | nobody known (address attempted in the personal details) |
 * | `sign_out`             | person   | the person                        |
 * | `person_added`         | person   | an admin                          |
 * | `roles_changed`        | person   | an admin (details: `from`, `to`)  |
 * | `sso_settings_changed` | tenant   | an admin                          |
 * | `poc_created` / `poc_changed` / `poc_deleted` | poc | owner or admin (`poc_changed` details: `fields`) |
 * | `dojo_created` / `dojo_started` / `dojo_ended` | dojo | facilitator (started/ended: the collaboration tier) |
 * | `dojo_member_removed` / `dojo_member_muted` | person | a facilitator (details: `dojoId`) |
 * | `video_share_created` / `video_share_revoked` | video | the video's person or an admin |
 * | `data_exported`        | person   | the person                        |
 * | `person_erased`        | person   | an admin (details: `pocs`, counts) |
 *
 * A person leaves a team by erasure (`person_erased`): there is no removal that keeps them, so no
 * `person_removed`.
 */
export const auditActions = [
  'sign_in',
  'sign_in_failed',
  'sign_out',
  'person_added',
  'roles_changed',
  'sso_settings_changed',
  'poc_created',
  'poc_changed',
  'poc_deleted',
  'dojo_created',
  'dojo_started',
  'dojo_ended',
  'dojo_member_removed',
  'dojo_member_muted',
  'video_share_created',
  'video_share_revoked',
  'data_exported',
  'person_erased',
] as const;
export const auditActionSchema = z.enum(auditActions);
export type AuditAction = z.infer<typeof auditActionSchema>;

export const auditTargetTypes = ['person', 'tenant', 'poc', 'dojo', 'video'] as const;
export const auditTargetSchema = z.object({ type: z.enum(auditTargetTypes), id: z.string().min(1).max(200) });
export type AuditTarget = z.infer<typeof auditTargetSchema>;

/** Small, non-personal facts about the action (ids, counts, field names); never names or addresses. */
export const auditDetailsSchema = z.record(
  z.string(),
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]),
);
export type AuditDetails = z.infer<typeof auditDetailsSchema>;

/** One entry as the API returns it; `actor.name`, `address` and `userAgent` are null once erased. */
export const auditEntrySchema = z.object({
  seq: z.number().int().positive(),
  at: z.string(),
  actor: z.object({ id: z.string().nullable(), name: z.string().nullable() }),
  action: auditActionSchema,
  target: auditTargetSchema.nullable(),
  address: z.string().nullable(),
  userAgent: z.string().nullable(),
  traceId: z.string(),
  details: z.record(z.string(), z.unknown()),
  /** The person's fields of a failed sign-in (the address attempted), null once erased. */
  personalDetails: z.record(z.string(), z.unknown()).nullable(),
  redacted: z.boolean(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({ items: z.array(auditEntrySchema), nextCursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPageSchema>;
