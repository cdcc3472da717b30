/**
 * Wire types of file transfer (docs/adr/0049-file-transfer.md): an agent asks the
 * visitor for a file, the visitor's client uploads it to POST /chat/file-transfer,
 * the agent downloads it. The agent routes validate with these, the OpenAPI document
 * shows them and the SDK imports the static types.
 */
import Type, { type Static } from 'typebox';

/** POST /agent/v1/chats/:chatId/file-requests (and the emulator's route of the same name). */
export const FileRequestCreated = Type.Object({
  fileToken: Type.String({ description: 'Opaque and single use; the visitor sends it with the upload. Also the `:fileToken` to cancel the request with' }),
  uploadServletUrl: Type.String({ description: 'The absolute URL the visitor uploads to: `server.publicUrl` (else the origin of this request) + `/chat/file-transfer`' }),
  requestedAt: Type.Number({ description: 'Epoch ms' }),
});
export type FileRequestCreated = Static<typeof FileRequestCreated>;

/** The body of POST …/file-requests: nothing yet (an empty object, or no body). */
export const FileRequestBody = Type.Object({});

/** DELETE /agent/v1/chats/:chatId/file-requests/:fileToken. */
export const FileRequestCanceled = Type.Object({ canceled: Type.Literal(true) });
export type FileRequestCanceled = Static<typeof FileRequestCanceled>;

export const FileTokenParams = Type.Object({ chatId: Type.String({ minLength: 1, maxLength: 128 }), fileToken: Type.String({ minLength: 1, maxLength: 128 }) });
export const FileIdParams = Type.Object({ chatId: Type.String({ minLength: 1, maxLength: 128 }), fileId: Type.String({ minLength: 1, maxLength: 128 }) });

/** A file a visitor uploaded into a chat (GET /agent/v1/chats/:chatId/files). */
export const ChatFile = Type.Object({
  id: Type.String({ description: 'The `:fileId` to download it with' }),
  fileToken: Type.String({ description: 'The request it answered' }),
  name: Type.String({ description: 'As the visitor\'s client named it (at most 255 characters; path separators and control characters replaced by `_`)' }),
  contentType: Type.String({ description: 'As the visitor\'s client declared it (the download serves only safe image types as such)' }),
  size: Type.Integer({ minimum: 0, description: 'Bytes' }),
  sha256: Type.String({ description: 'Hex SHA-256 of the bytes' }),
  uploadedAt: Type.Number({ description: 'Epoch ms' }),
});
export type ChatFile = Static<typeof ChatFile>;
export const ChatFiles = Type.Array(ChatFile);

/**
 * The `ChasitorFileUploaded` log event's data (agent side only: never in a visitor
 * payload): agents see it as a `chat.event` on the stream and in the transcript.
 */
export const ChasitorFileUploaded = Type.Object({
  fileToken: Type.String(), fileId: Type.String(), name: Type.String(), contentType: Type.String(), size: Type.Integer({ minimum: 0 }), sha256: Type.String(),
});
export type ChasitorFileUploaded = Static<typeof ChasitorFileUploaded>;

/** 200 of POST /chat/file-transfer, once the file and its ChasitorFileUploaded event are durable. */
export const FileUploaded = Type.Object({ fileToken: Type.String(), fileId: Type.String(), name: Type.String(), size: Type.Integer({ minimum: 0 }) });
export type FileUploaded = Static<typeof FileUploaded>;

/** GET …/files/:fileId answers the bytes, not JSON (the OpenAPI document shows a binary string). */
export const FileDownload = Type.String({ format: 'binary', description: 'The file\'s bytes' });

/** The content types the download serves as themselves (they cannot run script in a browser); anything else is application/octet-stream. */
export const SAFE_IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
