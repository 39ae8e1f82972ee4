export { createCollabTier, type CollabTier } from './collab-tier.ts';
export { collabConfigSchema, type CollabConfig } from './config.ts';
export { attachOperationalRoutes } from './http-routes.ts';
