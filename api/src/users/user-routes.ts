import { DomainError } from '@pocdojo/shared';
import { userSchema } from '@pocdojo/shared/contract/auth';
import { z } from 'zod';
import type { ApiPlugin } from '../api-context.ts';
import { auditCaller } from '../audit/audit-request.ts';
import { displayNameSchema, emailSchema, passwordSchema, rolesSchema } from '../auth/auth-schemas.ts';
import { hashPassword } from '../auth/passwords.ts';
import { authenticate, principalOf, requireAdmin } from '../auth/principal.ts';
import { problemResponses } from '../problem-details.ts';
import { withTenant } from '../tenancy/tenant-transaction.ts';
import { changeRoles, insertUser, listUsers, publicUser } from './users.ts';

const createUserBodySchema = z.strictObject({
  email: emailSchema,
  displayName: displayNameSchema,
  roles: rolesSchema,
  password: passwordSchema,
});

const changeRolesBodySchema = z.strictObject({ roles: rolesSchema });
const userIdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

const userWithDateSchema = userSchema.extend({ createdAt: z.string() });
const problems = problemResponses(400, 401, 403, 409);

/** Tenant user administration; admins only. */
export const userRoutes: ApiPlugin = async (app, { context }) => {
  const { database } = context;
  app.addHook('onRequest', authenticate(context.identity.verifier));

  app.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'Add a user to the caller’s tenant (admin)',
        security: [{ bearer: [] }],
        body: createUserBodySchema,
        response: { 201: userWithDateSchema, ...problems },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const passwordHash = await hashPassword(request.body.password);
      const user = await withTenant(database.db, principal.tenantId, async (trx) => {
        const added = await insertUser(trx, { tenantId: principal.tenantId, ...request.body, passwordHash });
        await auditCaller(trx, request, principal, {
          action: 'person_added',
          target: { type: 'person', id: added.id },
          details: { roles: added.roles },
        });
        return added;
      });
      return reply.code(201).send({ ...publicUser(user), createdAt: user.createdAt });
    },
  );

  app.patch(
    '/users/:id/roles',
    {
      schema: {
        tags: ['users'],
        summary: 'Change a member’s roles (admin); an admin cannot drop their own admin role',
        security: [{ bearer: [] }],
        params: userIdParamsSchema,
        body: changeRolesBodySchema,
        response: { 200: userWithDateSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const { roles } = request.body;
      // Otherwise a team could lose its last admin by a slip of the mouse.
      if (request.params.id === principal.userId && !roles.includes('admin')) {
        throw new DomainError('conflict', 'you cannot drop your own admin role; ask another admin');
      }
      const changed = await withTenant(database.db, principal.tenantId, async (trx) => {
        const result = await changeRoles(trx, principal.tenantId, request.params.id, roles);
        if (!result) throw new DomainError('not_found', 'no such member');
        await auditCaller(trx, request, principal, {
          action: 'roles_changed',
          target: { type: 'person', id: result.user.id },
          details: { from: result.before, to: result.user.roles },
        });
        return result.user;
      });
      return { ...publicUser(changed), createdAt: changed.createdAt };
    },
  );

  app.get(
    '/users',
    {
      schema: {
        tags: ['users'],
        summary: 'List the users of the caller’s tenant (admin)',
        security: [{ bearer: [] }],
        response: { 200: z.object({ items: z.array(userWithDateSchema) }), ...problems },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      const users = await withTenant(database.db, principal.tenantId, (trx) => listUsers(trx, principal.tenantId));
      return { items: users.map((user) => ({ ...publicUser(user), createdAt: user.createdAt })) };
    },
  );
};
