// The contract lives in shared/src/contract, where the server reads it too; clients import it from the SDK.
export * from '@pocdojo/shared/contract/dojo-roles';
