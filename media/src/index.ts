export { createVoiceService, type VoiceService, type VoiceServiceDeps, type VoiceStatus } from './voice-service.ts';
export {
  mediaConfigSchema,
  mediaSettingsShape,
  refineMediaSettings,
  resolveWorkerBinary,
  debianWorkerBinary,
  type MediaConfig,
  type MediaSettings,
  type IceServer,
} from './media-config.ts';
export {
  formatVoiceRoomId,
  parseVoiceRoomId,
  roomLocalPolicy,
  type DojoVoicePolicy,
  type FacilitatorCommand,
  type VoiceRoomId,
} from './dojo-voice-policy.ts';
export type { VoiceRoom } from './voice-room.ts';
export type { VoicePeer } from './voice-peer.ts';
