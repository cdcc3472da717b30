/**
 * The agent API's wire types as the console uses them: the SDK's types (which
 * are derived from the server's TypeBox schemas), not a second copy.
 */
import type { ResyncData, SupervisorOverview } from '../../packages/sdk/src/index.ts';

export type {
  ChatFlag, FlagEvent, ChatFile, DownloadedFile, FileRequest, AgentLimits, ChatDetails, ChatEventWire, ChatHistoryPage, ChatHistoryQuery, ChatSearchPage, ChatSearchQuery, ChatSearchResult, ChatSummary, OfferData, Presence, PresenceReason, PresenceState, PublicUser, Transcript,
  TransferTarget, TransferTargets, QuickText, Role, UserSource, ApiKey, ApiKeyCreated, CreateApiKeyInput, CreateUserInput, UpdateUserInput, VisitorErasure, VisitorBlock, CreateVisitorBlockInput,
  CreateOrgQuickTextInput, UpdateOrgQuickTextInput, CreateOwnQuickTextInput, UpdateOwnQuickTextInput,
  OfflineMessage, OfflineMessagePage, OfflineMessageQuery, OfflineMessageStatus, WebhookStatus, WebhookStreamStatus,
} from '../../packages/sdk/src/index.ts';

/** `data` of an `offer.withdrawn` stream event. */
export interface OfferWithdrawnData {
  chatId: string;
  reason?: string;
}

/** The snapshot a `resync` carries. */
export type ResyncSnapshot = ResyncData['snapshot'];

/** GET /agent/v1/supervisor/overview. */
export type Overview = SupervisorOverview;
