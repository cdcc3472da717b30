/**
 * @switchboard/sdk — typed clients for Switchboard and any Live Agent compatible server.
 * Runs in browsers and Node 20 (fetch; WebSocket from the `ws` package in Node).
 */
export { VisitorClient, type VisitorClientOptions } from './visitor-client.js';
export { AgentClient, type AgentClientOptions } from './agent-client.js';
export type { EmulatorApi } from './emulator-api.js';
export { isConferenceEvent, isFileTransferEvent, isFileUploadedEvent } from './file-events.js';
export type { UploadBusyWait, UploadOptions } from './visitor-file-upload.js';
export type { WebSocketClass, WebSocketConstructor, WebSocketLike } from './agent-stream.js';
export { SwitchboardHttpError, SwitchboardClosedError, type ErrorCode } from './errors.js';
export type { RetryOptions } from './backoff.js';
export type * from './types.js';
