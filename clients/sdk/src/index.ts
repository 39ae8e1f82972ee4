export * from './api-client.ts';
export * from './dojo-connection.ts';
export * from './dojo-documents.ts';
export * from './dojo-protocol.ts';
export * from './dojo-roles.ts';
export * from './presence.ts';
